namespace AQD.Edge.Onnx.Detection;

/// <summary>What pack-model knows about a detector's heads beyond its graph (CLI: --detector and friends).</summary>
public sealed record DetectionBuildOptions
{
    /// <summary>Options from a blob's detector metadata (what pack --detector wrote); defaults for absent members.</summary>
    /// <exception cref="AQD.Edge.Onnx.Import.OnnxImportException">Not a detector family, or no strides.</exception>
    public static DetectionBuildOptions FromMetadata(AQD.Edge.Model.Metadata.DetectorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Family is not ("nanodet" or "fcos" or "retinanet") || spec.Strides is not { Count: > 0 })
        {
            throw new AQD.Edge.Onnx.Import.OnnxImportException($"detection tables need a detector family (nanodet, fcos, retinanet) with strides; the metadata says '{spec.Family}' with {spec.Strides?.Count ?? 0} strides.");
        }
        var d = new DetectionBuildOptions { Family = spec.Family, Strides = spec.Strides };
        return d with
        {
            RegMax = spec.RegMax ?? 0,
            ScoreThresholdPermille = spec.ScoreThresholdPermille ?? d.ScoreThresholdPermille,
            IouThresholdPermille = spec.IouThresholdPermille ?? d.IouThresholdPermille,
            MaxDetections = spec.MaxDetections ?? d.MaxDetections,
            AnchorSizes = spec.AnchorSizes,
            AnchorRatiosPermille = spec.AnchorRatiosPermille ?? d.AnchorRatiosPermille,
            AnchorScalesPermille = spec.AnchorScalesPermille ?? d.AnchorScalesPermille,
        };
    }

    /// <summary>"nanodet" (GFL), "fcos" or "retinanet".</summary>
    public required string Family { get; init; }

    /// <summary>Strides of the levels, increasing (e.g. 8, 16, 32).</summary>
    public required IReadOnlyList<int> Strides { get; init; }

    /// <summary>GFL bins per side minus one (NanoDet-g: 10, NanoDet-m: 7).</summary>
    public int RegMax { get; init; }

    public int ScoreThresholdPermille { get; init; } = 350;
    public int IouThresholdPermille { get; init; } = 600;
    public int MaxDetections { get; init; } = 100;

    /// <summary>Candidates per class kept before NMS.</summary>
    public int TopKPerClass { get; init; } = 1000;

    /// <summary>Whether the class outputs are logits (a sigmoid table is built); null: false for nanodet (its graph ends in a sigmoid), true otherwise.</summary>
    public bool? ClassLogits { get; init; }

    /// <summary>FCOS: distances are exp(x) * stride (original FCOS) instead of relu(x) * stride (norm_reg_targets).</summary>
    public bool FcosExponential { get; init; }

    /// <summary>Cell centre offset in pixels as a fraction of the stride, per mille: 500 for NanoDet v0.x and FCOS, 0 for RetinaNet (torchvision / mmdet).</summary>
    public int? CenterOffsetPermille { get; init; }

    /// <summary>RetinaNet: base anchor size per level in pixels (default 4 * stride... torchvision uses 32..512 for P3..P7).</summary>
    public IReadOnlyList<int>? AnchorSizes { get; init; }

    /// <summary>RetinaNet: aspect ratios h / w per mille (outer loop of the anchor order).</summary>
    public IReadOnlyList<int> AnchorRatiosPermille { get; init; } = [500, 1000, 2000];

    /// <summary>RetinaNet: scales per mille (inner loop), default 2^0, 2^(1/3), 2^(2/3).</summary>
    public IReadOnlyList<int> AnchorScalesPermille { get; init; } = [1000, 1260, 1587];

    /// <summary>
    /// RetinaNet: exact scales (e.g. 2^(k/3)) used for the anchor tables instead of the per-mille values
    /// (same count); null: <see cref="AnchorScalesPermille"/> / 1000.
    /// </summary>
    public IReadOnlyList<double>? AnchorScales { get; init; }

    /// <summary>
    /// RetinaNet anchor order within a cell: false (default) ratios outer, scales inner (torchvision,
    /// mmdet); true scales outer, ratios inner (detectron2's DefaultAnchorGenerator, AQD's RetinaNet).
    /// </summary>
    public bool AnchorScalesOuter { get; init; }

    /// <summary>
    /// Graph output indices of each level's heads, in stride order (a network that knows its outputs'
    /// roles, e.g. AQD.Edge.Aqd); null: outputs are matched to roles by channel and cell counts.
    /// </summary>
    public IReadOnlyList<DetectionLevelOutputs>? LevelOutputs { get; init; }
}

/// <summary>Graph output indices of one level: class scores, box, centerness (FCOS; -1 otherwise).</summary>
public sealed record DetectionLevelOutputs(int Class, int Box, int Centerness = -1);
