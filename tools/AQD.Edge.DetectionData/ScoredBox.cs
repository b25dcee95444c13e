namespace AQD.Edge.DetectionData;

/// <summary>One detection: the image it belongs to (<see cref="DetectionSample.ImageId"/>), class,
/// score and box in pixels (continuous coordinates, as <see cref="GroundTruthBox"/>).</summary>
public sealed record ScoredBox(int ImageId, int ClassId, float Score, float X1, float Y1, float X2, float Y2);
