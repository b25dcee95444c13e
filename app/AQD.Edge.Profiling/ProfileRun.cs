using System.Diagnostics;

namespace AQD.Edge.Profiling;

/// <summary>
/// The raw measurements of a profile: for each timed iteration its start timestamp and every step's
/// duration (<see cref="Stopwatch"/> ticks). <see cref="ProfileReport"/> summarizes it;
/// <see cref="PerfettoTrace"/> writes it slice by slice.
/// </summary>
public sealed class ProfileRun
{
    internal ProfileRun(string model, int threads, ProfileSettings settings, IReadOnlyList<LayerInfo> layers,
        long[] iterationStart, long[] iterationTicks, long[] stepTicks)
    {
        Model = model;
        Threads = threads;
        Settings = settings;
        Layers = layers;
        IterationStart = iterationStart;
        IterationTicks = iterationTicks;
        StepTicks = stepTicks;
    }

    public string Model { get; }
    public int Threads { get; }
    public ProfileSettings Settings { get; }
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>Start timestamp of each timed iteration.</summary>
    public IReadOnlyList<long> IterationStart { get; }

    /// <summary>Whole-run ticks of each timed iteration.</summary>
    public IReadOnlyList<long> IterationTicks { get; }

    /// <summary>Step ticks, iteration-major: [iteration * Layers.Count + step].</summary>
    public IReadOnlyList<long> StepTicks { get; }

    public int Iterations => IterationTicks.Count;

    public long Ticks(int iteration, int step) => StepTicks[iteration * Layers.Count + step];

    public static double Milliseconds(long ticks) => InferenceTimings.Milliseconds(ticks);
}
