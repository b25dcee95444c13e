using System.Diagnostics;
using AQD.Edge.Engine;

namespace AQD.Edge.Profiling;

/// <summary>
/// Runs an engine step by step with a <see cref="Stopwatch"/> timestamp between steps: the per-layer
/// timing source of the profiler and of the worker's MQTT stats. <see cref="Run"/> does what
/// <see cref="InferenceEngine.Run()"/> does (same steps, same order, same outputs) and allocates
/// nothing; its cost over a plain run is one timestamp read per step (tens of nanoseconds).
/// After each run, <see cref="LastStepTicks"/> holds every step's duration and <see cref="Last"/>
/// the totals per <see cref="LayerGroup"/>. Not thread-safe, like the engine.
/// </summary>
public sealed class LayerTimer
{
    private readonly InferenceEngine engine;
    private readonly long[] stepTicks;
    private readonly LayerGroup[] groups;

    public LayerTimer(InferenceEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        this.engine = engine;
        Layers = LayerInfo.Describe(engine);
        stepTicks = new long[Layers.Count];
        groups = [.. Layers.Select(l => l.Group)];
    }

    public InferenceEngine Engine => engine;

    /// <summary>One entry per engine step, in execution order.</summary>
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>Duration of each step of the last <see cref="Run"/>, in <see cref="Stopwatch"/> ticks.</summary>
    public ReadOnlySpan<long> LastStepTicks => stepTicks;

    /// <summary>Timestamp (<see cref="Stopwatch.GetTimestamp"/>) at which the last run started.</summary>
    public long LastStartTimestamp { get; private set; }

    /// <summary>Totals of the last run.</summary>
    public InferenceTimings Last { get; private set; }

    /// <summary>Runs every step once on the inputs already written to the engine and records the timings.</summary>
    public InferenceTimings Run()
    {
        long start = Stopwatch.GetTimestamp();
        long previous = start;
        long backbone = 0, neck = 0, head = 0;
        for (int step = 0; step < stepTicks.Length; step++)
        {
            engine.RunStep(step);
            long now = Stopwatch.GetTimestamp();
            long ticks = now - previous;
            stepTicks[step] = ticks;
            previous = now;
            switch (groups[step])
            {
                case LayerGroup.Neck: neck += ticks; break;
                case LayerGroup.Head: head += ticks; break;
                default: backbone += ticks; break;
            }
        }
        LastStartTimestamp = start;
        Last = new InferenceTimings(previous - start, backbone, neck, head);
        return Last;
    }
}
