using AQD.Edge.Detection;
using AQD.Edge.Worker.Pipeline;

namespace AQD.Edge.Worker.Inference;

/// <summary>The product detector: an integer model blob through <see cref="Detector"/> (integer
/// resize, engine, integer decode; no managed allocation per frame after the first of a size);
/// copies the detections into the pipeline's buffer.</summary>
public sealed class ModelFrameDetector : IFrameDetector
{
    public ModelFrameDetector(string blobPath, DetectorOptions options)
    {
        Detector = Detector.Open(blobPath, options);
        MaxDetections = Detector.Decoder.MaxDetections;
        Labels = Detector.Metadata.Labels;
        Name = $"{Detector.Metadata.Name} {Detector.InputWidth}x{Detector.InputHeight}";
    }

    public Detector Detector { get; }
    public string Name { get; }
    public int MaxDetections { get; }
    public IReadOnlyList<string> Labels { get; }
    public DetectorTicks LastTicks { get; private set; }

    public int Detect(ReadOnlySpan<byte> rgb24, int width, int height, int stride, Span<ObjectDetection> output)
    {
        var found = Detector.Detect(rgb24, width, height, stride).AsSpan();
        int n = Math.Min(found.Length, output.Length);
        found[..n].CopyTo(output);
        var t = Detector.LastTimings;
        LastTicks = new DetectorTicks(t.PreprocessTicks, t.InferenceTicks, t.DecodeTicks);
        return n;
    }

    public void Dispose() => Detector.Dispose();
}
