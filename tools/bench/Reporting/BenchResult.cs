namespace AQD.Edge.Bench.Reporting;

/// <summary>
/// One row of a report. <see cref="VsBaseline"/> = baseline median / this median (&gt; 1: faster
/// than the baseline); <see cref="VsBaselineMin"/> the same with minimum times (less sensitive to
/// other processes on a shared machine).
/// </summary>
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
    string? Note = null,
    double? VsBaselineMin = null);
