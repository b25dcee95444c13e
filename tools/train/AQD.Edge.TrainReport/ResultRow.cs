namespace AQD.Edge.TrainReport;

/// <summary>
/// One line of the results table: a float model (Bits null) or a QAT run's packed model. AP figures are
/// the float model's for a float row and the integer engine's for a QAT row; differences are in AP points (x100).
/// </summary>
public sealed record ResultRow
{
    public required string Run { get; init; }
    public required string Family { get; init; }
    public int? Bits { get; init; }
    public required bool SharedHeadBn { get; init; }
    public required ApFigures Ap { get; init; }

    /// <summary>Engine AP minus the AP of the float model it was quantized from, in points.</summary>
    public double? DeltaVsFloatPoints { get; init; }

    /// <summary>Folded fake-quant AP minus integer-engine AP, in points.</summary>
    public double? FakeQuantGapPoints { get; init; }
    public long? CodesEqual { get; init; }
    public long? CodesTotal { get; init; }
    public long? BlobBytes { get; init; }

    /// <summary>Median single-thread engine latency over the family's baseline blob's (same run); null if not measured.</summary>
    public double? LatencyRatio { get; init; }

    /// <summary>The same ratio of the minima (less sensitive to other jobs on a shared machine).</summary>
    public double? LatencyMinRatio { get; init; }
    public required int Iterations { get; init; }
    public required double Seconds { get; init; }

    public string Precision => Bits is int b ? $"M{b}F8L8" : "float";
    public string HeadBn => SharedHeadBn ? "shared" : "multi-level";
}

/// <summary>One goal of issue #7 and where the runs stand (Met null: the runs needed are missing).</summary>
public sealed record GoalStatus(string Family, string Goal, string Figures, bool? Met);

/// <summary>A family's latency baseline: the run whose blob the ratios divide by, and its median.</summary>
public sealed record LatencyBaseline(string Family, string Run, int Bits, double MedianMs, double MinMs);
