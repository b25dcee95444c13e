namespace AQD.Edge.DetectionData;

/// <summary>The twelve COCO summary numbers (pycocotools' stats[0..11]). AP = AP@[.5:.95] over 10 IoU
/// thresholds, 101 recall points, maxDets 100; APs/m/l: areas &lt; 32², 32²..96², &gt; 96². AR1/AR10/AR100:
/// recall averaged over IoU thresholds with at most 1/10/100 detections per image and class.
/// A value is -1 where no class has ground truth in that bucket (as pycocotools).</summary>
public sealed record CocoMetrics(
    double AP, double AP50, double AP75, double APs, double APm, double APl,
    double AR1, double AR10, double AR100, double ARs, double ARm, double ARl)
{
    /// <summary>Per-class AP@[.5:.95] (area all, maxDets 100); -1 for classes without ground truth.</summary>
    public IReadOnlyList<double> PerClassAP { get; init; } = [];

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"AP {AP:F4} AP50 {AP50:F4} AP75 {AP75:F4} APs {APs:F4} APm {APm:F4} APl {APl:F4} AR1 {AR1:F4} AR10 {AR10:F4} AR100 {AR100:F4} ARs {ARs:F4} ARm {ARm:F4} ARl {ARl:F4}");
}
