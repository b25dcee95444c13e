namespace AQD.Edge.Bench.Models;

/// <summary>
/// One row of the <c>models</c> report: a model, thread count and engine variant, its median and
/// minimum single-inference times, and <see cref="TimeVsOrtInt8"/> = this median / ONNX Runtime
/// int8 (QDQ) median on the same model and threads (&lt; 1: faster than ORT int8; the goals
/// are phrased this way). Rows that could not run have <see cref="MedianMs"/> null and a note.
/// </summary>
public sealed record ModelResult(
    string Model,
    int Threads,
    string Engine,
    string Variant,
    int Bits,
    long Macs,
    double? MedianMs,
    double? MinMs,
    int Repetitions,
    double? TimeVsOrtInt8,
    string? Note);
