using AQD.Edge.Aqd;
using AQD.Edge.Aqd.Checkpoints;

namespace AQD.Edge.Train;

/// <summary>
/// The detector a run trains: the <see cref="AqdNetworkBuilder"/> structure (ResNet-18-style backbone
/// of configurable width, FPN P3-P7 with BN + ReLU, shared FCOS / RetinaNet head towers with
/// multi-level BN) and its bit policy M{Bits}F8L8. Validated by <see cref="Validate"/>.
/// </summary>
public sealed record ModelConfig
{
    public AqdFamily Family { get; init; } = AqdFamily.Fcos;
    public int Bits { get; init; } = 4;
    public int ImageSize { get; init; } = 128;
    public int NumClasses { get; init; } = 10;
    public int BackboneWidth { get; init; } = 16;
    public int FpnChannels { get; init; } = 32;
    public int HeadConvs { get; init; } = 4;

    /// <summary>One BN shared by the five pyramid levels of each head tower conv (the ablation of AQD's multi-level BN).</summary>
    public bool SharedHeadBn { get; init; }

    public const int InputZeroPoint = 115;
    public const double BnEps = 1e-5;
    public static readonly int[] Strides = [8, 16, 32, 64, 128];

    public bool Fcos => Family == AqdFamily.Fcos;

    public void Validate()
    {
        ToPolicy().ToOptions();
    }

    /// <summary>The policy file that goes with the exported checkpoint (docs/aqd-models.md).</summary>
    public AqdPolicy ToPolicy() => new()
    {
        Family = Fcos ? "fcos" : "retinanet", Depth = 18, Bits = Bits, Policy = $"M{Bits}F8L8", InputWidth = ImageSize, InputHeight = ImageSize,
        NumClasses = NumClasses, BackboneWidth = BackboneWidth, FpnChannels = FpnChannels, HeadConvs = HeadConvs,
        InputZeroPoint = InputZeroPoint, Strides = Strides, BnEps = BnEps,
    };

    /// <summary>Feature map side of pyramid level l (P3..P7) for the square input.</summary>
    public int LevelSize(int level)
    {
        int s = ImageSize / 32;   // C5
        return level switch { 0 => ImageSize / 8, 1 => ImageSize / 16, 2 => s, 3 => (s + 1) / 2, _ => ((s + 1) / 2 + 1) / 2 };
    }
}
