namespace AQD.Edge.Bench.Harness;

/// <summary>
/// One thing to time: a prepared operator (weights packed, buffers allocated, session created)
/// whose <see cref="Run"/> does exactly the work being measured and nothing else.
/// </summary>
public interface IBenchCase : IDisposable
{
    /// <summary>"onnxruntime" or "aqd" (later: other engines).</summary>
    string Engine { get; }

    /// <summary>Operator form or kernel variant name, e.g. "QLinearConv" or "Qu8Qs8Conv...Avx2".</summary>
    string Variant { get; }

    /// <summary>Activation/weight bit width of the case.</summary>
    int Bits { get; }

    /// <summary>Multiply-accumulates of one <see cref="Run"/>.</summary>
    long Macs { get; }

    /// <summary>Remark for the report (e.g. "dispatch pick"), or null.</summary>
    string? Note => null;

    void Run();
}
