using AQD.Edge.Messaging;

namespace AQD.Edge.Worker.Pipeline;

/// <summary>
/// Counters of the pipeline (thread-safe, allocation-free to update) and the per-interval rates of
/// the stats message: fps are counter differences over the time since the previous
/// <see cref="Snapshot"/>, on the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class PipelineStats(TimeProvider time)
{
    private long _captured, _processed, _detectionFrames, _droppedFrames, _droppedResults, _detectErrors, _sourceRestarts;
    private long _lastTimestamp = time.GetTimestamp();
    private long _lastCaptured, _lastProcessed, _lastDetection, _lastSkipped;

    public LatencyWindow Inference { get; } = new();

    public long Captured => Interlocked.Read(ref _captured);
    public long Processed => Interlocked.Read(ref _processed);
    public long DetectionFrames => Interlocked.Read(ref _detectionFrames);
    /// <summary>Frames dropped (oldest first) because the detector fell behind.</summary>
    public long DroppedFrames => Interlocked.Read(ref _droppedFrames);
    /// <summary>Results dropped (oldest first) because the publisher fell behind.</summary>
    public long DroppedResults => Interlocked.Read(ref _droppedResults);
    public long DetectErrors => Interlocked.Read(ref _detectErrors);
    public long SourceRestarts => Interlocked.Read(ref _sourceRestarts);

    internal void AddCaptured() => Interlocked.Increment(ref _captured);
    internal void AddDroppedFrame() => Interlocked.Increment(ref _droppedFrames);
    internal void AddDroppedResult() => Interlocked.Increment(ref _droppedResults);
    internal void AddDetectError() => Interlocked.Increment(ref _detectErrors);
    internal void AddSourceRestart() => Interlocked.Increment(ref _sourceRestarts);

    internal void AddProcessed(long detectTicks, bool hasObjects)
    {
        Interlocked.Increment(ref _processed);
        if (hasObjects) Interlocked.Increment(ref _detectionFrames);
        Inference.Add(detectTicks);
    }

    /// <summary>The pipeline part of the stats message; rates since the previous call.</summary>
    public StatsRecord Snapshot(long sourceSkipped, int queueDepth)
    {
        long now = time.GetTimestamp();
        double seconds;
        long captured = Captured, processed = Processed, detection = DetectionFrames;
        lock (Inference)
        {
            seconds = Math.Max(1e-6, time.GetElapsedTime(_lastTimestamp, now).TotalSeconds);
            _lastTimestamp = now;
            (captured, _lastCaptured) = (captured - _lastCaptured, captured);
            (processed, _lastProcessed) = (processed - _lastProcessed, processed);
            (detection, _lastDetection) = (detection - _lastDetection, detection);
            (sourceSkipped, _lastSkipped) = (sourceSkipped - _lastSkipped, sourceSkipped);
        }
        return new StatsRecord
        {
            InferenceMs = Inference.Snapshot(),
            CaptureFps = Math.Round(captured / seconds, 2),
            ProcessFps = Math.Round(processed / seconds, 2),
            DetectionFps = Math.Round(detection / seconds, 2),
            SkippedFps = Math.Round((sourceSkipped + Math.Max(0, captured - processed)) / seconds, 2),
            DroppedFrames = DroppedFrames + DroppedResults,
            FrameQueueDepth = queueDepth,
        };
    }
}
