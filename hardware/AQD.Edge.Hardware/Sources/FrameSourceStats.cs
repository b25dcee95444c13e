namespace AQD.Edge.Hardware.Sources;

/// <summary>Thread-safe counters of a frame source (read them from any thread).</summary>
public sealed class FrameSourceStats
{
    private long _frames, _reconnects, _skipped, _restarts;

    /// <summary>Frames delivered.</summary>
    public long Frames => Interlocked.Read(ref _frames);
    /// <summary>Times a lost stream was re-opened (each after a backoff delay).</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);
    /// <summary>Frames skipped for a per-frame problem (decode error, short read, oversized JPEG).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);
    /// <summary>Times a finite input was restarted on purpose (looping file or folder).</summary>
    public long Loops => Interlocked.Read(ref _restarts);

    internal void AddFrame() => Interlocked.Increment(ref _frames);
    internal void AddReconnect() => Interlocked.Increment(ref _reconnects);
    internal void AddSkipped(long n = 1) => Interlocked.Add(ref _skipped, n);
    internal void AddLoop() => Interlocked.Increment(ref _restarts);
}
