namespace AQD.Edge.Aqd;

/// <summary>Detector head family.</summary>
public enum AqdFamily
{
    /// <summary>FCOS: per location class logits, 4 distances (ltrb, in strides) and centerness.</summary>
    Fcos,
    /// <summary>RetinaNet: per location and anchor (3 scales x 3 ratios) class logits and 4 box deltas.</summary>
    RetinaNet,
}

/// <summary>What <see cref="AqdNetworkBuilder"/> builds. Validated by <see cref="Validate"/>.</summary>
public sealed record AqdModelOptions
{
    public AqdFamily Family { get; init; } = AqdFamily.Fcos;

    /// <summary>ResNet depth: 18 or 34 (basic blocks), 50 (bottleneck blocks 1x1 -> 3x3 -> 1x1, expansion 4).</summary>
    public int Depth { get; init; } = 18;

    /// <summary>
    /// ResNet-50 only: the stride-2 of a stage's first bottleneck on its 1x1 conv1 (true: detectron2's
    /// default RESNETS.STRIDE_IN_1X1, the MSRA-style weights AdelaiDet's FCOS-R50 configs start from) or on
    /// its 3x3 conv2 (false: torchvision's ResNet-50 v1.5). Ignored for 18/34.
    /// </summary>
    public bool StrideIn1x1 { get; init; } = true;

    /// <summary>Channel expansion of the bottleneck blocks (ResNet-50: output = 4 x bottleneck width).</summary>
    public const int BottleneckExpansion = 4;

    /// <summary>Whether the backbone uses bottleneck blocks (ResNet-50).</summary>
    public bool Bottleneck => Depth == 50;

    /// <summary>Blocks of backbone stage <paramref name="stage"/> (0 = res2): [2, 2, 2, 2] for ResNet-18, [3, 4, 6, 3] for 34 and 50.</summary>
    public int StageBlocks(int stage) => Depth == 18 ? 2 : stage switch { 0 or 3 => 3, 1 => 4, _ => 6 };

    /// <summary>Output channels of backbone stage <paramref name="stage"/> (0 = res2): C2..C5.</summary>
    public int StageChannels(int stage) => (BackboneWidth << stage) * (Bottleneck ? BottleneckExpansion : 1);

    /// <summary>Middle-layer bits M of the M{b}F8L8 policy (weights and activations): 2, 3, 4 or 8.</summary>
    public int Bits { get; init; } = 4;

    public int InputWidth { get; init; } = 320;
    public int InputHeight { get; init; } = 320;
    public int NumClasses { get; init; } = 80;

    /// <summary>
    /// Backbone base width: stem and stage-1 channels, doubling per stage (64 in ResNet-18/34/50; in
    /// ResNet-50 the bottleneck width, the stage outputs being 4x; smaller values make small test
    /// models, e.g. the committed PyTorch checkpoint fixtures).
    /// </summary>
    public int BackboneWidth { get; init; } = 64;

    /// <summary>FPN and head width (256 in AQD's detectors).</summary>
    public int FpnChannels { get; init; } = 256;

    /// <summary>Convs per head tower (4 in FCOS and RetinaNet).</summary>
    public int HeadConvs { get; init; } = 4;

    /// <summary>Seed of the random weights and BN affine parameters.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Integer mean subtracted from the BGR pixels (std 1, as AQD's detectors): the input tensor's
    /// zero point (one value for the three channels: a tensor has one zero point).
    /// </summary>
    public int InputZeroPoint { get; init; } = 115;

    /// <summary>
    /// Class names written into the blob (one per class); null: the COCO-80 names when
    /// <see cref="NumClasses"/> is 80, else "class0", "class1", ...
    /// </summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>How a frame becomes the input (the blob's preprocessing): "stretch" (AQD's test resize, default) or "letterbox" (pad value = the zero point).</summary>
    public string Resize { get; init; } = "stretch";

    /// <summary>The labels the blob gets: <see cref="Labels"/> or the default names.</summary>
    public IReadOnlyList<string> EffectiveLabels => Labels ?? (NumClasses == CocoLabels.Names.Count ? CocoLabels.Names : [.. Enumerable.Range(0, NumClasses).Select(i => $"class{i}")]);

    /// <summary>RetinaNet anchors per location (3 scales x 3 ratios).</summary>
    public const int AnchorsPerLocation = 9;

    /// <summary>Pyramid strides P3..P7.</summary>
    public static IReadOnlyList<int> Strides { get; } = [8, 16, 32, 64, 128];

    /// <summary>AQD shorthand, e.g. "M4F8L8".</summary>
    public string Shorthand => $"M{Bits}F8L8";

    /// <summary>Short model name, e.g. "fcos-r18-m4f8l8-320".</summary>
    public string ModelName => $"{(Family == AqdFamily.Fcos ? "fcos" : "retinanet")}-r{Depth}-{Shorthand.ToLowerInvariant()}-{InputWidth}x{InputHeight}";

    public void Validate()
    {
        if (Depth is not (18 or 34 or 50))
        {
            throw new ArgumentException($"Depth = {Depth}: ResNet-18, -34 and -50 are supported.", nameof(Depth));
        }
        if (Bits is not (2 or 3 or 4 or 8))
        {
            throw new ArgumentException($"Bits = {Bits}: must be 2, 3, 4 or 8.", nameof(Bits));
        }
        if (InputWidth % 32 != 0 || InputHeight % 32 != 0 || InputWidth < 64 || InputHeight < 64 || InputWidth > 4096 || InputHeight > 4096)
        {
            throw new ArgumentException($"Input {InputWidth}x{InputHeight}: both sides must be multiples of 32 (stride of C5, for the FPN's exact 2x upsampling) in [64, 4096].", nameof(InputWidth));
        }
        if (NumClasses is < 1 or > 1000 || FpnChannels is < 8 or > 1024 || HeadConvs is < 1 or > 8)
        {
            throw new ArgumentException($"NumClasses {NumClasses} (1..1000), FpnChannels {FpnChannels} (8..1024), HeadConvs {HeadConvs} (1..8) out of range.");
        }
        if (BackboneWidth is < 4 or > 256)
        {
            throw new ArgumentException($"BackboneWidth = {BackboneWidth} must be in [4, 256].", nameof(BackboneWidth));
        }
        if (InputZeroPoint is < 0 or > 255)
        {
            throw new ArgumentException($"InputZeroPoint = {InputZeroPoint} must be in [0, 255].", nameof(InputZeroPoint));
        }
        if (Labels is not null)
        {
            ValidateLabels(Labels, NumClasses);
        }
        if (Resize is not ("stretch" or "letterbox"))
        {
            throw new ArgumentException($"Resize = '{Resize}': must be 'stretch' or 'letterbox'.", nameof(Resize));
        }
    }

    /// <summary>One non-empty, single-line label per class.</summary>
    public static void ValidateLabels(IReadOnlyList<string> labels, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != numClasses)
        {
            throw new ArgumentException($"{labels.Count} labels for {numClasses} classes: one label per class.", nameof(Labels));
        }
        for (int i = 0; i < labels.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(labels[i]) || labels[i].Any(char.IsControl))
            {
                throw new ArgumentException($"label {i} ('{labels[i]}') is empty or holds control characters.", nameof(Labels));
            }
        }
    }
}
