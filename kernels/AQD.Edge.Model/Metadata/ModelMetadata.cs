namespace AQD.Edge.Model.Metadata;

// The META section's JSON schema, version 1 (docs/blob-format.md, "Metadata"). Property names are
// camelCase in JSON. Integers only: fractional quantities are stored in thousandths ("Milli") or
// per mille ("Permille"), so the reader never parses a floating-point number.

/// <summary>Root of the META section.</summary>
public sealed class ModelMetadata
{
    /// <summary>Schema version; this reader knows 1 and refuses others.</summary>
    public required int SchemaVersion { get; init; }

    /// <summary>Model name, 1..256 characters.</summary>
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Class labels in output order (may be empty for featurizers).</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    public required InputSpec Input { get; init; }

    public required PreprocessingSpec Preprocessing { get; init; }

    public required DetectorSpec Detector { get; init; }

    public required BitPolicySpec BitPolicy { get; init; }

    public required SourceSpec Source { get; init; }

    public required ToolSpec Tool { get; init; }
}

/// <summary>The network input image.</summary>
public sealed class InputSpec
{
    public required int Width { get; init; }
    public required int Height { get; init; }

    /// <summary>1 (gray) or 3 (color).</summary>
    public required int Channels { get; init; }

    /// <summary>"NHWC" (the only layout of version 1).</summary>
    public required string Layout { get; init; }
}

/// <summary>How a camera frame becomes the network input (before the graph's input quantization).</summary>
public sealed class PreprocessingSpec
{
    /// <summary>"RGB", "BGR" or "GRAY" (channel order the network expects).</summary>
    public required string ColorOrder { get; init; }

    /// <summary>"stretch", "letterbox" or "center-crop".</summary>
    public required string Resize { get; init; }

    /// <summary>Letterbox fill per channel, 0..255 (required for "letterbox", absent otherwise).</summary>
    public IReadOnlyList<int>? PadValue { get; init; }

    /// <summary>Per-channel mean in thousandths of an 8-bit pixel level (ImageNet R: 123675).</summary>
    public required IReadOnlyList<int> MeanMilli { get; init; }

    /// <summary>Per-channel standard deviation in thousandths of a pixel level (ImageNet R: 58395), &gt; 0.</summary>
    public required IReadOnlyList<int> StdMilli { get; init; }
}

/// <summary>What the outputs mean and how a detector's raw outputs are decoded.</summary>
public sealed class DetectorSpec
{
    /// <summary>"none", "classifier", "featurizer", "nanodet", "fcos" or "retinanet".</summary>
    public required string Family { get; init; }

    /// <summary>Classes (equals the label count when labels are given); 0 for "none" and "featurizer".</summary>
    public required int NumClasses { get; init; }

    /// <summary>Feature-map strides of the heads (detectors), e.g. [8, 16, 32].</summary>
    public IReadOnlyList<int>? Strides { get; init; }

    /// <summary>NanoDet / GFL: distribution bins per box side minus one (7 for NanoDet).</summary>
    public int? RegMax { get; init; }

    /// <summary>Score threshold, per mille (detectors).</summary>
    public int? ScoreThresholdPermille { get; init; }

    /// <summary>NMS IoU threshold, per mille (detectors).</summary>
    public int? IouThresholdPermille { get; init; }

    /// <summary>Maximum detections kept after NMS (detectors).</summary>
    public int? MaxDetections { get; init; }

    /// <summary>RetinaNet: base anchor size per level in pixels.</summary>
    public IReadOnlyList<int>? AnchorSizes { get; init; }

    /// <summary>RetinaNet: anchor aspect ratios h/w, per mille (e.g. 500, 1000, 2000).</summary>
    public IReadOnlyList<int>? AnchorRatiosPermille { get; init; }

    /// <summary>RetinaNet: anchor scales per mille (e.g. 1000, 1260, 1587).</summary>
    public IReadOnlyList<int>? AnchorScalesPermille { get; init; }
}

/// <summary>Bit widths the model was packed with (informative: the graph holds the real formats).</summary>
public sealed class BitPolicySpec
{
    /// <summary>AQD shorthand "M{b}F{b}L{b}" (middle, first, last layers), e.g. "M4F8L8"; absent for per-layer policies.</summary>
    public string? Shorthand { get; init; }

    /// <summary>Default weight bits: 2, 3, 4, 8, or 32 (float reference blob, tools only).</summary>
    public required int WeightBits { get; init; }

    /// <summary>Default activation bits: 2, 3, 4, 8, 16, or 32 (float reference blob, tools only).</summary>
    public required int ActivationBits { get; init; }

    /// <summary>Per-layer overrides.</summary>
    public IReadOnlyList<LayerBits>? Layers { get; init; }
}

public sealed class LayerBits
{
    /// <summary>Layer (op) name as in the source model.</summary>
    public required string Name { get; init; }
    public required int WeightBits { get; init; }
    public required int ActivationBits { get; init; }
}

/// <summary>The file the blob was made from.</summary>
public sealed class SourceSpec
{
    public required string FileName { get; init; }

    /// <summary>"onnx".</summary>
    public required string Format { get; init; }

    /// <summary>SHA-256 of the source file, 64 lowercase hex digits.</summary>
    public required string Sha256 { get; init; }
}

/// <summary>The tool that wrote the blob.</summary>
public sealed class ToolSpec
{
    public required string Name { get; init; }
    public required string Version { get; init; }
}
