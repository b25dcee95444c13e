namespace AQD.Edge.Hardware.Frames;

/// <summary>
/// One captured picture. Its pixel memory is leased from a <see cref="FramePool"/>: the consumer
/// MUST dispose the frame when done with it, which returns the buffer to the pool (no new managed
/// buffer per frame in steady state). Using a frame after disposing it is a bug (the buffer may
/// already hold a later picture).
/// </summary>
public sealed class Frame : IDisposable
{
    private readonly FramePool? _pool;
    private byte[] _buffer;
    private int _length;
    private int _leased;

    internal Frame(FramePool? pool, int capacity)
    {
        _pool = pool;
        _buffer = new byte[capacity];
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; private set; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; private set; }
    /// <summary>Layout of <see cref="Data"/>.</summary>
    public FramePixelFormat Format { get; private set; }
    /// <summary>Per-source frame counter: 0, 1, 2, ... (continues across reconnects).</summary>
    public long Sequence { get; private set; }
    /// <summary>When the frame was captured, from the source's TimeProvider.</summary>
    public DateTimeOffset Timestamp { get; private set; }

    /// <summary>The pixel bytes (Rgb24: 3 * Width * Height; Mjpeg: the JPEG's length).</summary>
    public ReadOnlySpan<byte> Data => new(_buffer, 0, _length);
    /// <summary>The pixel bytes as memory (same lifetime rules as <see cref="Data"/>).</summary>
    public ReadOnlyMemory<byte> Memory => new(_buffer, 0, _length);

    /// <summary>Writable bytes, for sources and converters filling the frame.</summary>
    public Span<byte> WritableData => new(_buffer, 0, _length);
    internal Memory<byte> WritableMemory => new(_buffer, 0, _length);

    internal int Capacity => _buffer.Length;

    /// <summary>Sets the shape; grows the buffer (one allocation) only if it is too small.</summary>
    internal bool Reset(int width, int height, FramePixelFormat format, int length)
    {
        bool grew = false;
        if (length > _buffer.Length)
        {
            _buffer = new byte[length];
            grew = true;
        }
        Width = width;
        Height = height;
        Format = format;
        _length = length;
        return grew;
    }

    internal void SetLength(int length)
    {
        if ((uint)length > (uint)_buffer.Length) throw new ArgumentOutOfRangeException(nameof(length));
        _length = length;
    }

    internal void SetShape(int width, int height) { Width = width; Height = height; }

    internal void Stamp(long sequence, DateTimeOffset timestamp)
    {
        Sequence = sequence;
        Timestamp = timestamp;
    }

    internal void MarkLeased() => Volatile.Write(ref _leased, 1);

    /// <summary>Returns the buffer to the pool. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _leased, 0) == 1) _pool?.Return(this);
    }
}
