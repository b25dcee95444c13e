using System.Diagnostics;

namespace AQD.Edge.Bench.Harness;

/// <summary>
/// A plain careful timing loop: warm-up, then N timed repetitions of one call each with
/// <see cref="Stopwatch"/>; report median and minimum. A full GC runs before the timed phase so a
/// collection from setup does not land inside it; the benchmarked calls themselves must not
/// allocate (ours do not; ONNX Runtime runs with pre-bound OrtValues).
/// A case whose first run alone takes more than half of <see cref="HarnessOptions.TargetMs"/>
/// (scalar reference kernels) is measured with that one warm-up run and
/// <see cref="HarnessOptions.SlowRepetitions"/> timed runs, so a full run stays short.
/// </summary>
public static class BenchHarness
{
    public static Measurement Measure(Action run, HarnessOptions options)
    {
        var total = Stopwatch.StartNew();
        run();
        bool slow = total.Elapsed.TotalMilliseconds > options.TargetMs / 2;
        for (int i = 1; !slow && (i < options.MinWarmupRuns || total.Elapsed.TotalMilliseconds < options.WarmupMs); i++)
        {
            run();
        }
        int minRepetitions = slow ? options.SlowRepetitions : options.MinRepetitions;

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var samples = new List<double>(minRepetitions);
        double spent = 0;
        while (samples.Count < options.MaxRepetitions &&
               (samples.Count < minRepetitions || (!slow && spent < options.TargetMs)))
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
