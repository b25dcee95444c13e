using System.Diagnostics;

namespace AQD.Edge.Bench.Harness;

/// <summary>
/// A plain careful timing loop: warm-up, then N timed repetitions of one call each with
/// <see cref="Stopwatch"/>; report median and minimum. A full GC runs before the timed phase so a
/// collection from setup does not land inside it; the benchmarked calls themselves must not
/// allocate (ours do not; ONNX Runtime runs with pre-bound OrtValues).
/// The first call (JIT compilation, first touch of buffers) is never timed. A case whose second
/// call alone takes more than half of <see cref="HarnessOptions.TargetMs"/> (scalar reference
/// kernels) keeps that call as its first sample and gets <see cref="HarnessOptions.SlowRepetitions"/>
/// samples in all, so a full run stays short.
/// </summary>
public static class BenchHarness
{
    public static Measurement Measure(Action run, HarnessOptions options)
    {
        var total = Stopwatch.StartNew();
        run();
        double second = Time(run);
        var samples = new List<double>();
        bool slow = second > options.TargetMs / 2;
        if (slow)
        {
            samples.Add(second);
        }
        for (int i = 2; !slow && (i < options.MinWarmupRuns || total.Elapsed.TotalMilliseconds < options.WarmupMs); i++)
        {
            run();
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        int minRepetitions = slow ? options.SlowRepetitions : options.MinRepetitions;
        double spent = 0;
        while (samples.Count < options.MaxRepetitions &&
               (samples.Count < minRepetitions || (!slow && spent < options.TargetMs)))
        {
            double ms = Time(run);
            samples.Add(ms);
            spent += ms;
        }
        return new Measurement([.. samples]);
    }

    private static double Time(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
