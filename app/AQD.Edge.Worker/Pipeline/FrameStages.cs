using System.Diagnostics;
using System.Threading.Channels;
using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Sources;

namespace AQD.Edge.Worker.Pipeline;

/// <summary>
/// The capture → detect part of the pipeline: two bounded channels (frames, results) that drop
/// their OLDEST item when full (the dropped frame is disposed back to its pool and counted), and
/// the per-frame steps the loops are made of. In steady state no step allocates managed memory:
/// frames come from the source's pool, results from <see cref="ResultPool"/>, the channels are
/// preallocated rings and the detector works in its own arena (tested).
/// </summary>
public sealed class FrameStages
{
    private readonly IFrameDetector _detector;
    private readonly ResultPool _results;
    private readonly Channel<Frame> _frames;
    private readonly Channel<DetectionResult> _output;

    public FrameStages(IFrameDetector detector, PipelineStats stats, int captureQueue, int resultQueue, bool keepFramesWithObjects)
    {
        _detector = detector;
        Stats = stats;
        KeepFramesWithObjects = keepFramesWithObjects;
        _results = new ResultPool(resultQueue + 2, Math.Max(1, detector.MaxDetections));
        _frames = Channel.CreateBounded<Frame>(
            new BoundedChannelOptions(captureQueue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped => { dropped.Dispose(); stats.AddDroppedFrame(); });
        _output = Channel.CreateBounded<DetectionResult>(
            new BoundedChannelOptions(resultQueue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped => { _results.Return(dropped); stats.AddDroppedResult(); });
    }

    public PipelineStats Stats { get; }
    public bool KeepFramesWithObjects { get; }
    public ChannelReader<Frame> Frames => _frames.Reader;
    public ChannelReader<DetectionResult> Results => _output.Reader;
    public int QueueDepth => _frames.Reader.Count + _output.Reader.Count;
    public long ResultPoolGrown => _results.Grown;

    /// <summary>Frames a source's pool needs so the bounded pipeline never makes it grow.</summary>
    public static int PoolFramesFor(int captureQueue, int resultQueue, bool keepFrames) =>
        captureQueue + 3 + (keepFrames ? resultQueue + 1 : 0);

    /// <summary>Capture step: reads one frame and queues it (dropping the oldest if the detector is
    /// behind). False at the end of a finite stream.</summary>
    public async ValueTask<bool> CaptureOneAsync(IFrameSource source, CancellationToken ct)
    {
        var frame = await source.ReadFrameAsync(ct).ConfigureAwait(false);
        if (frame is null) return false;
        Stats.AddCaptured();
        if (!_frames.Writer.TryWrite(frame)) frame.Dispose(); // only after Complete: shutting down
        return true;
    }

    /// <summary>Detect step: takes one queued frame, detects, queues the result. False when no frame waits.</summary>
    public bool DetectOne()
    {
        if (!_frames.Reader.TryRead(out var frame)) return false;
        var result = _results.Rent();
        try
        {
            long start = Stopwatch.GetTimestamp();
            result.Count = _detector.Detect(frame.Data, frame.Width, frame.Height, frame.Width * 3, result.Objects);
            result.DetectTicks = Stopwatch.GetTimestamp() - start;
        }
        catch
        {
            frame.Dispose();
            _results.Return(result);
            Stats.AddDetectError();
            throw;
        }
        result.Sequence = frame.Sequence;
        result.Timestamp = frame.Timestamp;
        result.Width = frame.Width;
        result.Height = frame.Height;
        Stats.AddProcessed(result.DetectTicks, result.Count > 0);
        if (KeepFramesWithObjects && result.Count > 0) result.Frame = frame;
        else frame.Dispose();
        if (!_output.Writer.TryWrite(result)) _results.Return(result);
        return true;
    }

    /// <summary>Gives a published result (and its frame) back.</summary>
    public void Release(DetectionResult result) => _results.Return(result);

    /// <summary>Waits for a frame to detect; false once capture has completed and the queue is empty.
    /// No cancellation token on purpose: the non-cancellable wait is allocation-free; completion ends it.</summary>
    public ValueTask<bool> WaitForFrameAsync() => _frames.Reader.WaitToReadAsync();

    public ValueTask<bool> WaitForResultAsync() => _output.Reader.WaitToReadAsync();

    public void CompleteCapture() => _frames.Writer.TryComplete();
    public void CompleteDetection() => _output.Writer.TryComplete();

    /// <summary>Disposes frames and results still queued (after the loops ended).</summary>
    public void Drain()
    {
        while (_frames.Reader.TryRead(out var f)) f.Dispose();
        while (_output.Reader.TryRead(out var r)) _results.Return(r);
    }
}
