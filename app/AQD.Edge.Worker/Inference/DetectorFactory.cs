using AQD.Edge.Detection;
using AQD.Edge.Worker.Configuration;
using AQD.Edge.Worker.Pipeline;

namespace AQD.Edge.Worker.Inference;

/// <summary>Opens the configured model as the pipeline's detector, and the snapshot renderer.</summary>
public static class DetectorFactory
{
    public static DetectorOptions Options(DetectorSettings settings, int defaultThreads) => new()
    {
        Threads = settings.Threads > 0 ? settings.Threads : Math.Clamp(defaultThreads, 1, Environment.ProcessorCount),
        ScoreThresholdPermille = settings.ScoreThresholdPermille,
        IouThresholdPermille = settings.IouThresholdPermille,
        MaxDetections = settings.MaxDetections,
    };

    public static ModelFrameDetector Open(DetectorSettings settings, int defaultThreads) =>
        new(settings.ResolvedModelPath, Options(settings, defaultThreads));

    public static ISnapshotRenderer SnapshotRenderer() => new SnapshotRenderer();
}
