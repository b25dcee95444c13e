using AQD.Edge.Hardware.Frames;

namespace AQD.Edge.Hardware.Sources;

/// <summary>
/// A camera-like producer of frames. Frames come from the source's <see cref="FramePool"/>; the
/// caller owns each returned frame and must dispose it. A source never throws out of its read loop
/// for a per-frame problem (it logs, counts and goes on) and reconnects a lost stream itself; only
/// cancellation (<see cref="OperationCanceledException"/>) and use after dispose escape.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>Short description for logs ("ffmpeg rtsp://cam/1", "test-pattern 320x240").</summary>
    string Name { get; }

    /// <summary>Counters: frames, reconnects, skipped frames.</summary>
    FrameSourceStats Stats { get; }

    /// <summary>The next frame, or null at the end of a finite stream (file, folder without loop,
    /// reconnect attempts exhausted).</summary>
    ValueTask<Frame?> ReadFrameAsync(CancellationToken cancellationToken = default);

    /// <summary>All frames until the end of the stream or cancellation.</summary>
    IAsyncEnumerable<Frame> ReadAllAsync(CancellationToken cancellationToken = default);
}
