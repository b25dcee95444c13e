using System.Globalization;
using AQD.Edge.Model.Metadata;
using AQD.Edge.Onnx.Protobuf;

namespace AQD.Edge.Onnx.Import;

/// <summary>
/// ONNX metadata_props keys that carry a detector's decode facts into pack-model's QDQ path
/// (written by AqdQdqExporter; docs/aqd-models.md, "ONNX export convention"). Lists are comma-separated integers.
/// </summary>
public static class OnnxMetadataProps
{
    public const string Family = "aqd.detector.family", NumClasses = "aqd.detector.num_classes", Strides = "aqd.detector.strides",
        AnchorSizes = "aqd.detector.anchor_sizes", AnchorRatiosPermille = "aqd.detector.anchor_ratios_permille",
        AnchorScalesPermille = "aqd.detector.anchor_scales_permille", ScoreThresholdPermille = "aqd.detector.score_threshold_permille",
        IouThresholdPermille = "aqd.detector.iou_threshold_permille", MaxDetections = "aqd.detector.max_detections",
        BitPolicy = "aqd.bit_policy", WeightBits = "aqd.weight_bits", ColorOrder = "aqd.input.color_order", Outputs = "aqd.outputs";

    /// <summary>The detector described by the model's metadata_props, or null when it has no <see cref="Family"/> key.</summary>
    public static DetectorSpec? Detector(ModelProto model)
    {
        var p = Props(model);
        if (!p.TryGetValue(Family, out var family))
        {
            return null;
        }
        return new DetectorSpec
        {
            Family = family,
            NumClasses = Int(p, NumClasses) ?? 0,
            Strides = Ints(p, Strides),
            ScoreThresholdPermille = Int(p, ScoreThresholdPermille),
            IouThresholdPermille = Int(p, IouThresholdPermille),
            MaxDetections = Int(p, MaxDetections),
            AnchorSizes = Ints(p, AnchorSizes),
            AnchorRatiosPermille = Ints(p, AnchorRatiosPermille),
            AnchorScalesPermille = Ints(p, AnchorScalesPermille),
        };
    }

    /// <summary>The bit policy (shorthand, weight/activation bits) when the model names one.</summary>
    public static BitPolicySpec? Policy(ModelProto model)
    {
        var p = Props(model);
        return p.TryGetValue(BitPolicy, out var s) && Int(p, WeightBits) is { } bits
            ? new BitPolicySpec { Shorthand = s, WeightBits = bits, ActivationBits = bits }
            : null;
    }

    public static string? ColorOrderOf(ModelProto model) => Props(model).GetValueOrDefault(ColorOrder);

    private static Dictionary<string, string> Props(ModelProto model) => model.MetadataProps.ToDictionary(e => e.Key, e => e.Value);

    private static int? Int(Dictionary<string, string> p, string key)
        => p.TryGetValue(key, out var s) ? Parse(key, s) : null;

    private static int[]? Ints(Dictionary<string, string> p, string key)
        => p.TryGetValue(key, out var s) ? [.. s.Split(',').Select(v => Parse(key, v.Trim()))] : null;

    private static int Parse(string key, string s)
        => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v
           : throw new OnnxImportException($"metadata_props '{key}': '{s}' is not an integer (list).");
}
