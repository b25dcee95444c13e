namespace AQD.Edge.Profiling;

/// <summary>How <see cref="Profiler"/> measures: untimed warm-up runs, then timed iterations.</summary>
public sealed record ProfileSettings
{
    /// <summary>Untimed runs before measuring (first touch of the arena, caches, worker wake-up). Default 3.</summary>
    public int Warmup { get; init; } = 3;

    /// <summary>Timed runs; every statistic is over these. Default 20.</summary>
    public int Iterations { get; init; } = 20;

    /// <exception cref="ArgumentOutOfRangeException">Warmup &lt; 0 or Iterations &lt; 1 (or absurdly large).</exception>
    public void Validate()
    {
        if (Warmup is < 0 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, "warm-up runs must be between 0 and 1000000.");
        }
        if (Iterations is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "iterations must be between 1 and 1000000.");
        }
    }
}
