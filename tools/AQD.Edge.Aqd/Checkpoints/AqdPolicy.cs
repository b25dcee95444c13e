using System.Text.Json;
using System.Text.Json.Serialization;

namespace AQD.Edge.Aqd.Checkpoints;

/// <summary>
/// The policy file that goes with an AQD checkpoint (JSON, docs/aqd-models.md "Policy file"): the
/// architecture and bit policy the state_dict's keys do not say. Unknown JSON properties are errors.
/// </summary>
public sealed record AqdPolicy
{
    /// <summary>The builder's defaults: a field the policy file leaves out takes the same value as <see cref="AqdModelOptions"/>.</summary>
    private static readonly AqdModelOptions Defaults = new();

    /// <summary>"fcos" or "retinanet".</summary>
    public string Family { get; init; } = "fcos";

    /// <summary>ResNet depth: 18, 34 or 50.</summary>
    public int Depth { get; init; } = Defaults.Depth;

    /// <summary>ResNet-50: stride of a stage's first block on its 1x1 conv1 (detectron2 STRIDE_IN_1X1, default) or on its 3x3 conv2.</summary>
    public bool StrideIn1x1 { get; init; } = Defaults.StrideIn1x1;

    /// <summary>Middle-layer bits b of M{b}F8L8.</summary>
    public int Bits { get; init; } = Defaults.Bits;

    /// <summary>Optional AQD shorthand; when given it must be "M{Bits}F8L8".</summary>
    public string? Policy { get; init; }
    public int InputWidth { get; init; } = Defaults.InputWidth;
    public int InputHeight { get; init; } = Defaults.InputHeight;
    public int NumClasses { get; init; } = Defaults.NumClasses;
    public int BackboneWidth { get; init; } = Defaults.BackboneWidth;
    public int FpnChannels { get; init; } = Defaults.FpnChannels;
    public int HeadConvs { get; init; } = Defaults.HeadConvs;
    public int InputZeroPoint { get; init; } = Defaults.InputZeroPoint;

    /// <summary>Frame to input resize of the blob's preprocessing: "stretch" (default) or "letterbox".</summary>
    public string Resize { get; init; } = Defaults.Resize;

    /// <summary>Pyramid strides; must be 8, 16, 32, 64, 128 (P3-P7) when given.</summary>
    public IReadOnlyList<int>? Strides { get; init; }

    /// <summary>BatchNorm epsilon of the checkpoint's BN layers (PyTorch default 1e-5).</summary>
    public double BnEps { get; init; } = 1e-5;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static AqdPolicy Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: invalid policy JSON: {e.Message}", e);
        }
    }

    public static AqdPolicy Parse(string json, string what = "policy")
    {
        var p = JsonSerializer.Deserialize<AqdPolicy>(json, Json) ?? throw new FormatException($"{what}: empty policy.");
        p.ToOptions();
        return p;
    }

    /// <summary>The builder options of this policy (validated; bad values throw naming the field).</summary>
    public AqdModelOptions ToOptions()
    {
        var family = Family.ToLowerInvariant() switch
        {
            "fcos" => AqdFamily.Fcos,
            "retinanet" => AqdFamily.RetinaNet,
            _ => throw new FormatException($"policy family '{Family}': 'fcos' or 'retinanet'."),
        };
        var o = new AqdModelOptions
        {
            Family = family, Depth = Depth, StrideIn1x1 = StrideIn1x1, Bits = Bits, InputWidth = InputWidth, InputHeight = InputHeight, NumClasses = NumClasses,
            BackboneWidth = BackboneWidth, FpnChannels = FpnChannels, HeadConvs = HeadConvs, InputZeroPoint = InputZeroPoint,
            Resize = Resize,
        };
        o.Validate();
        if (Policy is not null && !string.Equals(Policy, o.Shorthand, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"policy '{Policy}' does not match bits {Bits} ({o.Shorthand}; first layer and predictions are 8-bit).");
        }
        if (Strides is not null && !Strides.SequenceEqual(AqdModelOptions.Strides))
        {
            throw new FormatException($"policy strides [{string.Join(", ", Strides)}]: the AQD detectors use P3-P7, [8, 16, 32, 64, 128].");
        }
        if (!(BnEps is > 0 and < 1))
        {
            throw new FormatException($"policy bnEps {BnEps} must be in (0, 1).");
        }
        return o;
    }
}
