using Microsoft.Extensions.Logging;

namespace AQD.Edge.Worker.Logging;

/// <summary>Source-generated log messages of the worker (event ids 3000-3099).</summary>
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "Model {Model}: {Name}, {Labels} labels")]
    public static partial void ModelLoaded(ILogger logger, string model, string name, int labels);

    [LoggerMessage(3002, LogLevel.Information, "Camera '{Camera}': {Source}")]
    public static partial void SourceOpened(ILogger logger, string camera, string source);

    [LoggerMessage(3003, LogLevel.Warning, "Camera '{Camera}' failed ({Error}); re-opening in {Delay}")]
    public static partial void SourceFailed(ILogger logger, string camera, string error, TimeSpan delay);

    [LoggerMessage(3004, LogLevel.Information, "Camera '{Camera}': end of input after {Frames} frames")]
    public static partial void EndOfInput(ILogger logger, string camera, long frames);

    [LoggerMessage(3005, LogLevel.Error, "Detection failed on frame {Sequence}: {Error}")]
    public static partial void DetectFailed(ILogger logger, long sequence, string error);

    [LoggerMessage(3006, LogLevel.Error, "Publishing the results of frame {Sequence} failed: {Error}")]
    public static partial void PublishFailed(ILogger logger, long sequence, string error);

    [LoggerMessage(3007, LogLevel.Information, "stats: capture {CaptureFps:0.0} fps, process {ProcessFps:0.0} fps, inference p50 {P50:0.0} ms p95 {P95:0.0} ms p99 {P99:0.0} ms, dropped {Dropped}, queue {Queue}, events queued {Events}, temp {Temp}")]
    public static partial void Stats(ILogger logger, double captureFps, double processFps, double p50, double p95, double p99, long dropped, int queue, int events, string temp);

    [LoggerMessage(3008, LogLevel.Information, "Board: {Board}; GPIO {Gpio}")]
    public static partial void Board(ILogger logger, string board, string gpio);

    [LoggerMessage(3009, LogLevel.Warning, "Snapshot of '{Label}' failed: {Error}")]
    public static partial void SnapshotFailed(ILogger logger, string label, string error);

    [LoggerMessage(3010, LogLevel.Information, "Pipeline stopped: {Captured} frames captured, {Processed} processed, {Dropped} dropped")]
    public static partial void PipelineStopped(ILogger logger, long captured, long processed, long dropped);

    [LoggerMessage(3011, LogLevel.Information, "GPIO trigger")]
    public static partial void Trigger(ILogger logger);
}
