using AQD.Edge.Engine;

namespace AQD.Edge.Profiling;

/// <summary>Measures an engine per layer: warm-up runs, then timed iterations through a <see cref="LayerTimer"/>.</summary>
public static class Profiler
{
    /// <summary>
    /// Runs <paramref name="engine"/> on the inputs already written to it: <see cref="ProfileSettings.Warmup"/>
    /// untimed runs, then <see cref="ProfileSettings.Iterations"/> timed ones. The inputs are saved
    /// first and written back before every run, outside the timed region (the arena reuses an input's
    /// bytes once its last reader ran), so every run computes the same thing and the engine's outputs
    /// afterwards are those of one plain run on the inputs.
    /// </summary>
    public static ProfileRun Run(InferenceEngine engine, ProfileSettings? settings = null, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        settings ??= new ProfileSettings();
        settings.Validate();
        var timer = new LayerTimer(engine);
        var inputs = new byte[engine.InputCount][];
        for (int k = 0; k < inputs.Length; k++)
        {
            inputs[k] = engine.Input(k).ToArray();
        }
        void Restore()
        {
            for (int k = 0; k < inputs.Length; k++)
            {
                inputs[k].CopyTo(engine.Input(k));
            }
        }
        for (int i = 0; i < settings.Warmup; i++)
        {
            Restore();
            timer.Run();
        }
        int steps = timer.Layers.Count;
        var starts = new long[settings.Iterations];
        var totals = new long[settings.Iterations];
        var stepTicks = new long[settings.Iterations * steps];
        for (int i = 0; i < settings.Iterations; i++)
        {
            Restore();
            var t = timer.Run();
            starts[i] = timer.LastStartTimestamp;
            totals[i] = t.EngineTicks;
            timer.LastStepTicks.CopyTo(stepTicks.AsSpan(i * steps, steps));
        }
        return new ProfileRun(model ?? engine.Graph.SourceName, engine.Threads, settings, timer.Layers, starts, totals, stepTicks);
    }
}
