namespace AQD.Edge.Detection;

/// <summary>Options of Detector.Open; null members keep the blob's DETC values.</summary>
public sealed class DetectorOptions
{
    /// <summary>Inference threads, the calling thread included (1 .. processor count).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Score threshold in per mille (0..1000): keep a box when its score is strictly above it.</summary>
    public int? ScoreThresholdPermille { get; init; }

    /// <summary>NMS IoU threshold in per mille (1..1000): a box is suppressed when its IoU with a kept box of its class is above it.</summary>
    public int? IouThresholdPermille { get; init; }

    /// <summary>Detections kept after NMS (1..10000).</summary>
    public int? MaxDetections { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad member.</summary>
    public void Validate()
    {
        if (Threads < 1 || Threads > Environment.ProcessorCount)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, $"DetectorOptions.Threads must be between 1 and {Environment.ProcessorCount} (the processor count).");
        }
        if (ScoreThresholdPermille is < 0 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(ScoreThresholdPermille), ScoreThresholdPermille, "DetectorOptions.ScoreThresholdPermille must be in 0..1000.");
        }
        if (IouThresholdPermille is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(IouThresholdPermille), IouThresholdPermille, "DetectorOptions.IouThresholdPermille must be in 1..1000.");
        }
        if (MaxDetections is < 1 or > 10000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDetections), MaxDetections, "DetectorOptions.MaxDetections must be in 1..10000.");
        }
    }
}
