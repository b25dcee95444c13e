using AQD.Edge.Detection;

namespace AQD.Edge.Worker.Pipeline;

/// <summary>Stopwatch ticks of the last <see cref="IFrameDetector.Detect"/>.</summary>
public readonly record struct DetectorTicks(long Preprocess, long Inference, long Decode)
{
    public long Total => Preprocess + Inference + Decode;
}

/// <summary>
/// What the pipeline needs of a detector: RGB24 frame in, objects out, no managed allocation per
/// call. The product implementation is <see cref="Inference.ModelFrameDetector"/> (the integer NanoDet
/// detector of AQD.Edge.Detection); tests drive the pipeline with deterministic ones.
/// </summary>
public interface IFrameDetector : IDisposable
{
    /// <summary>For logs ("nanodet-g-416-int8 416x416").</summary>
    string Name { get; }

    /// <summary>Most objects one call reports (size of the output span the pipeline gives).</summary>
    int MaxDetections { get; }

    /// <summary>Every label the model knows (Home Assistant discovery, label filters).</summary>
    IReadOnlyList<string> Labels { get; }

    /// <summary>Detects objects in interleaved RGB24 rows of <paramref name="stride"/> bytes; writes
    /// at most <see cref="MaxDetections"/> into <paramref name="output"/> and returns how many.</summary>
    int Detect(ReadOnlySpan<byte> rgb24, int width, int height, int stride, Span<ObjectDetection> output);

    /// <summary>Where the time of the last call went.</summary>
    DetectorTicks LastTicks { get; }
}

/// <summary>Draws boxes and labels on a frame and encodes a JPEG (MQTT snapshots, detect --annotate).</summary>
public interface ISnapshotRenderer
{
    byte[] RenderJpeg(ReadOnlySpan<byte> rgb24, int width, int height, int stride, ReadOnlySpan<ObjectDetection> objects);
}
