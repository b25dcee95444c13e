using AQD.Edge.Worker.Configuration;
using AQD.Edge.Worker.Pipeline;

namespace AQD.Edge.Worker.Inference;

/// <summary>Opens the configured model as the pipeline's detector, and the snapshot renderer.</summary>
public static class DetectorFactory
{
    public static IFrameDetector Open(DetectorSettings settings, int defaultThreads)
    {
#if AQD_DETECTION
        return new ModelFrameDetector(settings.ResolvedModelPath, new AQD.Edge.Detection.DetectorOptions
        {
            Threads = settings.Threads > 0 ? settings.Threads : Math.Max(1, defaultThreads),
            ScoreThresholdPermille = settings.ScoreThresholdPermille,
            IouThresholdPermille = settings.IouThresholdPermille,
            MaxDetections = settings.MaxDetections,
        });
#else
        throw new NotSupportedException($"built without AQD.Edge.Detection; cannot open {settings.Model}");
#endif
    }

    public static ISnapshotRenderer? SnapshotRenderer()
    {
#if AQD_DETECTION
        return new SnapshotRenderer();
#else
        return null;
#endif
    }
}
