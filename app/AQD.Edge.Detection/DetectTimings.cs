namespace AQD.Edge.Detection;

/// <summary>Durations of the last Detect in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
public readonly record struct DetectTimings(long PreprocessTicks, long InferenceTicks, long DecodeTicks)
{
    public long TotalTicks => PreprocessTicks + InferenceTicks + DecodeTicks;
}
