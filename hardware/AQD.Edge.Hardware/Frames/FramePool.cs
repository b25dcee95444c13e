namespace AQD.Edge.Hardware.Frames;

/// <summary>
/// A preallocated ring of frame buffers. <see cref="Rent"/> takes a free frame (no allocation while
/// one is free); disposing the frame gives it back. When every frame is out (the consumer holds
/// more than <see cref="Count"/>), the pool grows by one frame and counts it in <see cref="Grown"/>:
/// a bounded pipeline keeps that at zero in steady state. A frame whose buffer is too small for a
/// larger picture is reallocated once and counted in <see cref="Resized"/>.
/// </summary>
public sealed class FramePool
{
    private readonly object _gate = new();
    private Frame[] _free;
    private int _freeCount;
    private int _count;
    private long _grown;
    private long _resized;

    /// <param name="count">Frames to preallocate (at least 1).</param>
    /// <param name="frameBytes">Bytes each frame's buffer holds up front.</param>
    public FramePool(int count, int frameBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(frameBytes);
        _free = new Frame[count];
        for (int i = 0; i < count; i++) _free[i] = new Frame(this, frameBytes);
        _freeCount = count;
        _count = count;
        FrameBytes = frameBytes;
    }

    /// <summary>A pool sized for <paramref name="count"/> frames of the given shape.</summary>
    public static FramePool For(int count, int width, int height, FramePixelFormat format = FramePixelFormat.Rgb24)
        => new(count, checked((int)Math.Max(0, FramePixelFormats.ByteCount(format, width, height))));

    /// <summary>Initial bytes per frame.</summary>
    public int FrameBytes { get; }
    /// <summary>Frames owned by the pool (free + leased).</summary>
    public int Count { get { lock (_gate) return _count; } }
    /// <summary>Frames currently free.</summary>
    public int Available { get { lock (_gate) return _freeCount; } }
    /// <summary>Frames allocated because the pool ran dry.</summary>
    public long Grown => Interlocked.Read(ref _grown);
    /// <summary>Buffers reallocated because a picture did not fit.</summary>
    public long Resized => Interlocked.Read(ref _resized);

    /// <summary>Leases a frame shaped <paramref name="width"/> x <paramref name="height"/> holding
    /// <paramref name="length"/> bytes (contents undefined until the caller fills them).</summary>
    public Frame Rent(int width, int height, FramePixelFormat format, int length)
    {
        Frame? frame = null;
        lock (_gate)
        {
            if (_freeCount > 0)
            {
                frame = _free[--_freeCount];
                _free[_freeCount] = null!;
            }
            else
            {
                _count++;
                if (_free.Length < _count) Array.Resize(ref _free, _count);
            }
        }
        if (frame is null)
        {
            Interlocked.Increment(ref _grown);
            frame = new Frame(this, Math.Max(FrameBytes, length));
        }
        if (frame.Reset(width, height, format, length)) Interlocked.Increment(ref _resized);
        frame.MarkLeased();
        return frame;
    }

    /// <summary>Leases an Rgb24 frame.</summary>
    public Frame RentRgb24(int width, int height) => Rent(width, height, FramePixelFormat.Rgb24, checked(3 * width * height));

    internal void Return(Frame frame)
    {
        lock (_gate)
        {
            if (_freeCount < _free.Length) _free[_freeCount++] = frame;
        }
    }
}
