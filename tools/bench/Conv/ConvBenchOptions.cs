using AQD.Edge.Bench.Harness;

namespace AQD.Edge.Bench.Conv;

/// <summary>Options of the <c>conv</c> command.</summary>
public sealed record ConvBenchOptions(
    IReadOnlyList<ConvShape> Shapes,
    IReadOnlyList<int> Bits,
    int Threads,
    bool IncludeScalar,
    int Seed,
    HarnessOptions Harness);
