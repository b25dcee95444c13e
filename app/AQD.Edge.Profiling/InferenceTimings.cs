using System.Diagnostics;

namespace AQD.Edge.Profiling;

/// <summary>
/// Timings of one inference in <see cref="Stopwatch"/> ticks: the whole engine run and its
/// <see cref="LayerGroup"/> parts (backbone + neck + head = the sum of the steps, a little less than
/// <see cref="EngineTicks"/>, which includes the timer's own reads), plus
/// <see cref="PostProcessingTicks"/>, which the caller adds (<see cref="WithPostProcessing"/>) when it
/// decodes detections after the engine.
/// </summary>
public readonly record struct InferenceTimings(long EngineTicks, long BackboneTicks, long NeckTicks, long HeadTicks,
    long PostProcessingTicks = 0)
{
    public InferenceTimings WithPostProcessing(long ticks) => this with { PostProcessingTicks = ticks };

    public long TotalTicks => EngineTicks + PostProcessingTicks;

    public long this[LayerGroup group] => group switch
    {
        LayerGroup.Backbone => BackboneTicks,
        LayerGroup.Neck => NeckTicks,
        LayerGroup.Head => HeadTicks,
        _ => PostProcessingTicks,
    };

    /// <summary>Ticks as milliseconds (for reports and MQTT stats; the engine itself never sees float).</summary>
    public static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
