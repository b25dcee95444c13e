#if AQD_DETECTION
using AQD.Edge.Detection;
using AQD.Edge.Worker.Pipeline;

namespace AQD.Edge.Worker.Inference;

/// <summary>The product detector: an integer model blob through <see cref="Detector"/> (integer
/// resize, engine, integer decode); copies its detections into the pipeline's buffer.</summary>
public sealed class ModelFrameDetector : IFrameDetector
{
    private readonly Detector _detector;

    public ModelFrameDetector(string blobPath, DetectorOptions options)
    {
        _detector = Detector.Open(blobPath, options);
        MaxDetections = options.MaxDetections ?? 100;
        Labels = _detector.Metadata.Labels;
        Name = $"{_detector.Metadata.Name} {_detector.InputWidth}x{_detector.InputHeight}";
    }

    public Detector Detector => _detector;
    public string Name { get; }
    public int MaxDetections { get; }
    public IReadOnlyList<string> Labels { get; }
    public DetectorTicks LastTicks { get; private set; }

    public int Detect(ReadOnlySpan<byte> rgb24, int width, int height, int stride, Span<DetectedObject> output)
    {
        var set = _detector.Detect(rgb24, width, height, stride);
        int n = Math.Min(set.Count, output.Length);
        for (int i = 0; i < n; i++)
        {
            var d = set[i];
            output[i] = new DetectedObject(d.ClassId, d.Label, d.ScorePermille, d.X1, d.Y1, d.X2, d.Y2);
        }
        var t = _detector.LastTimings;
        LastTicks = new DetectorTicks(t.Preprocess, t.Inference, t.Decode);
        return n;
    }

    public void Dispose() => _detector.Dispose();
}
#endif
