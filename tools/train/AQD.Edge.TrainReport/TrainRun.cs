namespace AQD.Edge.TrainReport;

/// <summary>COCO figures of one model on the val split (AP@[.5:.95], AP@.5, AP@.75, small, medium), as fractions.</summary>
public sealed record ApFigures(double AP, double AP50, double AP75, double APs, double APm);

/// <summary>
/// What the report uses of one <c>aqd-train run</c> folder: the model options, the phase timings and the
/// COCO figures of metrics.json (written by tools/train/AQD.Edge.Train's TrainPipeline), and where its
/// model.aqd is (null when the folder has none, e.g. the committed docs/results/training copies).
/// </summary>
public sealed record TrainRun
{
    public required string Name { get; init; }
    public required string MetricsPath { get; init; }
    public string? BlobPath { get; init; }

    /// <summary>"FCOS" or "RetinaNet".</summary>
    public required string Family { get; init; }
    public required int Bits { get; init; }
    public required bool SharedHeadBn { get; init; }
    public required int ImageSize { get; init; }
    public required int BackboneWidth { get; init; }
    public required int FpnChannels { get; init; }
    public required int HeadConvs { get; init; }

    /// <summary>0 when QAT started from an earlier run's float.pth (<c>--from-float</c>).</summary>
    public required int FloatIterations { get; init; }
    public required double FloatSeconds { get; init; }
    public required int QatIterations { get; init; }
    public required double QatSeconds { get; init; }

    public required ApFigures FloatAp { get; init; }
    public required ApFigures QatAp { get; init; }
    public required ApFigures FoldedAp { get; init; }
    public required ApFigures EngineAp { get; init; }
    public required long CodesEqual { get; init; }
    public required long CodesTotal { get; init; }
    public required long BlobBytes { get; init; }
    public required int ValImages { get; init; }

    /// <summary>The float model this run quantized: family, head BN kind and architecture.</summary>
    public (string Family, bool SharedHeadBn, int ImageSize, int BackboneWidth, int FpnChannels, int HeadConvs) FloatKey
        => (Family, SharedHeadBn, ImageSize, BackboneWidth, FpnChannels, HeadConvs);
}
