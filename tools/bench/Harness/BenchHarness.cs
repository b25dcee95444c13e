using System.Diagnostics;

namespace AQD.Edge.Bench.Harness;

/// <summary>
/// A plain careful timing loop: warm-up, then N timed repetitions of one call each with
/// <see cref="Stopwatch"/>; report median and minimum. A full GC runs before the timed phase so a
/// collection from setup does not land inside it; the benchmarked calls themselves must not
/// allocate (ours do not; ONNX Runtime runs with pre-bound OrtValues).
/// </summary>
public static class BenchHarness
{
    public static Measurement Measure(Action run, HarnessOptions options)
    {
        var total = Stopwatch.StartNew();
        for (int i = 0; i < options.MinWarmupRuns || total.Elapsed.TotalMilliseconds < options.WarmupMs; i++)
        {
            run();
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var samples = new List<double>(options.MinRepetitions);
        double spent = 0;
        while (samples.Count < options.MaxRepetitions &&
               (samples.Count < options.MinRepetitions || spent < options.TargetMs))
        {
            long start = Stopwatch.GetTimestamp();
            run();
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            samples.Add(ms);
            spent += ms;
        }
        return new Measurement([.. samples]);
    }
}
