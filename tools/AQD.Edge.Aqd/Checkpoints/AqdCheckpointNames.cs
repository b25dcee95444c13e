using System.Globalization;

namespace AQD.Edge.Aqd.Checkpoints;

/// <summary>
/// The checkpoint naming convention (docs/aqd-models.md): detectron2 / AdelaiDet state_dict keys
/// for the builder's layers. Conv weight sets: backbone.bottom_up.stem.conv1,
/// backbone.bottom_up.res{2..5}.{j}.{conv1,conv2,conv3 (ResNet-50),shortcut}, backbone.fpn_lateral{3..5},
/// backbone.fpn_output{3..5}, backbone.top_block.{p6,p7}, and the head
/// (proposal_generator.fcos_head.{cls_tower,bbox_tower}.{i}, .cls_logits, .bbox_pred, .ctrness,
/// .scales.{l}.scale for FCOS; head.{cls_subnet,bbox_subnet}.{i}, .cls_score, .bbox_pred for
/// RetinaNet); per conv: .weight, .quan_w.alpha, BN .norm.{weight,bias,running_mean,running_var}
/// (.norm.{level} in the shared head towers: multi-level BN), .bias for predictions; activation
/// clips .quan_act.clip_val of the conv that quantizes its input; int16 scales (optional)
/// backbone.bottom_up.res{2..5}.stream_scale and backbone.fpn_sum_scale.
/// </summary>
internal sealed class AqdCheckpointNames(AqdModelOptions o)
{
    public const string Weight = ".weight", WeightAlpha = ".quan_w.alpha", ActClip = ".quan_act.clip_val";
    public const string StemClip = "backbone.bottom_up.stem.quan_out.clip_val", FpnSumScale = "backbone.fpn_sum_scale";

    private bool Fcos => o.Family == AqdFamily.Fcos;
    public string Head => Fcos ? "proposal_generator.fcos_head." : "head.";
    private string ClsTower => Fcos ? "cls_tower" : "cls_subnet";
    private string ClsPred => Fcos ? "cls_logits" : "cls_score";

    /// <summary>Checkpoint prefix of a builder weight set / conv name (without a ".p{l}" level suffix).</summary>
    public string Prefix(string name)
    {
        var parts = name.Split('.');
        return parts[0] switch
        {
            "stem" => "backbone.bottom_up.stem." + parts[1],
            _ when parts[0].StartsWith("layer", StringComparison.Ordinal) =>
                $"backbone.bottom_up.res{Int(parts[0][5..]) + 1}.{parts[1]}.{(parts[2] == "downsample" ? "shortcut" : parts[2])}",
            "fpn" when parts[1] is "p6" or "p7" => "backbone.top_block." + parts[1],
            "fpn" => "backbone.fpn_" + parts[1],
            "head" => Head + string.Join('.', parts[1..]),
            _ => throw new InvalidOperationException($"no checkpoint name for layer '{name}'."),
        };
    }

    /// <summary>Splits "head.cls_tower.0.p3" into ("head.cls_tower.0", 0); other names have level -1.</summary>
    public static (string Base, int Level) SplitLevel(string convName)
    {
        int dot = convName.LastIndexOf('.');
        if (convName.StartsWith("head.", StringComparison.Ordinal) && dot > 0 && convName[dot + 1] == 'p')
        {
            return (convName[..dot], Int(convName[(dot + 2)..]) - 3);
        }
        return (convName, -1);
    }

    public static bool IsTower(string baseName) => baseName.Contains("_tower.", StringComparison.Ordinal) || baseName.Contains("_subnet.", StringComparison.Ordinal);

    /// <summary>The clip key of a quantized builder tensor (named after the conv that quantizes it as its input).</summary>
    public string ClipKey(string tensorName)
    {
        var (baseName, _) = SplitLevel(tensorName);
        var parts = baseName.Split('.');
        if (baseName == "stem.conv1")
        {
            return StemClip;
        }
        if (parts[0].StartsWith("layer", StringComparison.Ordinal))
        {
            // the block input quantizer belongs to conv1; conv1's output quantizer to conv2, and (bottleneck) conv2's to conv3
            string consumer = parts[2] switch
            {
                "quant" => "conv1",
                "conv1" => "conv2",
                "conv2" when o.Bottleneck => "conv3",
                _ => throw new InvalidOperationException($"no clip key for tensor '{tensorName}'."),
            };
            return Prefix($"{parts[0]}.{parts[1]}.{consumer}") + ActClip;
        }
        if (parts[0] == "fpn" && parts.Length == 3 && parts[2] == "quant")
        {
            return Prefix($"fpn.{parts[1]}") + ActClip;
        }
        if (baseName is "fpn.output3" or "fpn.output4" or "fpn.output5")
        {
            return $"{Head}{ClsTower}.0{ActClip}";   // P3-P7: the shared head's input quantizer
        }
        if (parts[0] == "head" && IsTower(baseName))
        {
            int i = Int(parts[2]);
            bool cls = parts[1] == ClsTower;
            return i + 1 < o.HeadConvs ? $"{Head}{parts[1]}.{i + 1}{ActClip}" : $"{Head}{(cls ? ClsPred : "bbox_pred")}{ActClip}";
        }
        throw new InvalidOperationException($"no clip key for tensor '{tensorName}'.");
    }

    public static string GroupScaleKey(string group) => group == "fpn" ? FpnSumScale : $"backbone.bottom_up.res{Int(group[5..]) + 1}.stream_scale";

    /// <summary>FCOS per-level regression scale (AdelaiDet's Scale modules).</summary>
    public string LevelScaleKey(int level) => $"{Head}scales.{level}.scale";

    public bool IsLevelScaled(string baseName) => Fcos && baseName == "head.bbox_pred";

    private static int Int(string s) => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
}
