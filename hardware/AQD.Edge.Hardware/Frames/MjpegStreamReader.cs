namespace AQD.Edge.Hardware.Frames;

/// <summary>
/// Reads JPEGs one by one from a concatenated MJPEG stream into one reusable buffer (grown only when
/// a JPEG does not fit, up to <c>maxFrameBytes</c>). <see cref="Current"/> is valid until the next read.
/// Bytes between JPEGs and corrupt JPEGs are skipped and counted, never thrown.
/// </summary>
public sealed class MjpegStreamReader
{
    private readonly Stream _stream;
    private readonly int _maxFrameBytes;
    private byte[] _buffer;
    private int _start;   // first unconsumed byte
    private int _end;     // end of buffered data

    /// <param name="stream">The MJPEG byte stream (e.g. a child process's stdout).</param>
    /// <param name="initialCapacity">Initial buffer size (a few frames' worth avoids growth).</param>
    /// <param name="maxFrameBytes">A JPEG larger than this is dropped (counted in <see cref="Oversized"/>).</param>
    public MjpegStreamReader(Stream stream, int initialCapacity = 1 << 20, int maxFrameBytes = 32 << 20)
    {
        _stream = stream;
        _buffer = new byte[Math.Max(4096, initialCapacity)];
        _maxFrameBytes = maxFrameBytes;
    }

    /// <summary>The JPEG last returned by <see cref="ReadAsync"/>.</summary>
    public ReadOnlyMemory<byte> Current { get; private set; }
    /// <summary>Number of JPEGs skipped as corrupt (bad marker structure).</summary>
    public long Corrupt { get; private set; }
    /// <summary>Number of JPEGs dropped for exceeding the size limit.</summary>
    public long Oversized { get; private set; }
    /// <summary>Bytes discarded outside any JPEG.</summary>
    public long SkippedBytes { get; private set; }
    /// <summary>Times the buffer had to grow.</summary>
    public int Grown { get; private set; }

    /// <summary>Reads up to the next complete JPEG; false at the end of the stream.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = JpegScanner.Scan(_buffer.AsSpan(_start, _end - _start), out int soi, out int length);
            if (result == JpegScanResult.Complete)
            {
                SkippedBytes += soi;
                Current = new ReadOnlyMemory<byte>(_buffer, _start + soi, length);
                _start += soi + length;
                return true;
            }
            if (result == JpegScanResult.Corrupt)
            {
                Corrupt++;
                SkippedBytes += soi + 2;
                _start += soi + 2;
                continue;
            }
            // Need more data: drop what precedes the SOI, make room, read.
            SkippedBytes += soi;
            _start += soi;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= _maxFrameBytes)
                {
                    // A single JPEG larger than the limit (or garbage that looks like one): drop it.
                    Oversized++;
                    SkippedBytes += _end;
                    _end = 0;
                }
                else
                {
                    Array.Resize(ref _buffer, Math.Min(_maxFrameBytes, _buffer.Length * 2));
                    Grown++;
                }
            }
            int n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                SkippedBytes += _end;
                _start = _end = 0;
                Current = default;
                return false;
            }
            _end += n;
        }
    }

    /// <summary>Forgets buffered bytes (after the stream was replaced).</summary>
    public void Clear() { _start = _end = 0; Current = default; }
}
