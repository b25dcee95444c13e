namespace AQD.Edge.Bench.Harness;

/// <summary>
/// How long to measure one case: warm-up runs (JIT tiering, caches, ORT's first-run allocations)
/// for at least <see cref="WarmupMs"/> and <see cref="MinWarmupRuns"/> runs, then timed runs until
/// both <see cref="MinRepetitions"/> and <see cref="TargetMs"/> are reached, capped at
/// <see cref="MaxRepetitions"/>. Cases slower than half the target per run get
/// <see cref="SlowRepetitions"/> timed runs after the untimed first call.
/// </summary>
public sealed record HarnessOptions(
    int MinWarmupRuns = 2,
    double WarmupMs = 150,
    int MinRepetitions = 5,
    double TargetMs = 600,
    int MaxRepetitions = 200,
    int SlowRepetitions = 2)
{
    /// <summary>Short settings for a smoke run (CI, quick look).</summary>
    public static HarnessOptions Quick { get; } = new(2, 20, 3, 60, 20, 1);
}
