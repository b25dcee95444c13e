namespace AQD.Edge.DetectionData;

/// <summary>One image with its ground truth. <see cref="Bgr"/> is Height*Width*3 bytes, interleaved
/// B,G,R, row-major.</summary>
public sealed record DetectionSample(int ImageId, int Width, int Height, byte[] Bgr, IReadOnlyList<GroundTruthBox> Boxes);
