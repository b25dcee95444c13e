namespace AQD.Edge.Bench.Reporting;

/// <summary>One row of a report. <see cref="VsBaseline"/> = baseline median / this median (&gt; 1: faster than the baseline).</summary>
public sealed record BenchResult(
    string Shape,
    string ShapeDetail,
    string Engine,
    string Variant,
    int Bits,
    long Macs,
    double MedianMs,
    double MinMs,
    int Repetitions,
    double GmacPerSecond,
    double? VsBaseline,
    string? Note = null);
