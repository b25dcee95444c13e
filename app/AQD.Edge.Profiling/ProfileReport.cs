using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Profiling;

/// <summary>Min / median / p95 / mean / max of a set of times, in milliseconds (p95: nearest rank).</summary>
public sealed record TimeStats(double MinMs, double MedianMs, double P95Ms, double MeanMs, double MaxMs)
{
    public static TimeStats Of(IEnumerable<long> ticks)
    {
        var ms = ticks.Select(ProfileRun.Milliseconds).Order().ToArray();
        if (ms.Length == 0)
        {
            return new TimeStats(0, 0, 0, 0, 0);
        }
        int n = ms.Length;
        double median = n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
        double p95 = ms[Math.Clamp((int)Math.Ceiling(0.95 * n) - 1, 0, n - 1)];
        return new TimeStats(ms[0], median, p95, ms.Average(), ms[^1]);
    }
}

/// <summary>One layer's row: what it is (<see cref="LayerInfo"/>) and its times over the iterations.</summary>
public sealed record LayerRow(int Step, int OpIndex, string Name, string OpType, string Shape, string Bits, int? WeightBits,
    int ActivationBits, long Macs, int Bands, LayerGroup Group, double MedianMs, double MinMs, double SharePercent, double GmacPerSecond);

/// <summary>A layer group's share: the sum of its layers' medians.</summary>
public sealed record GroupRow(LayerGroup Group, int Layers, long Macs, double MedianMs, double SharePercent);

/// <summary>Where the profile ran.</summary>
public sealed record ProfileMachine(string Architecture, int ProcessorCount, string Os, string Runtime, string KernelIsa);

/// <summary>
/// The summary of a <see cref="ProfileRun"/>: per layer its median time, share of the sum of the
/// layer medians and GMAC/s at the median; per group the same sums; the whole run's min / median /
/// p95 over the iterations and the model's GMAC/s at the median.
/// </summary>
public sealed record ProfileReport(string Model, int Threads, int Warmup, int Iterations, string CreatedUtc, ProfileMachine Machine,
    long Macs, TimeStats Total, double GmacPerSecond, IReadOnlyList<GroupRow> Groups, IReadOnlyList<LayerRow> Layers)
{
    public static ProfileReport From(ProfileRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        int steps = run.Layers.Count;
        var medians = new double[steps];
        var mins = new double[steps];
        for (int s = 0; s < steps; s++)
        {
            var stats = TimeStats.Of(Enumerable.Range(0, run.Iterations).Select(i => run.Ticks(i, s)));
            medians[s] = stats.MedianMs;
            mins[s] = stats.MinMs;
        }
        double sum = medians.Sum();
        double Share(double ms) => sum > 0 ? 100 * ms / sum : 0;
        var rows = run.Layers.Select(l => new LayerRow(l.Step, l.OpIndex, l.Name, l.OpType, l.Shape, l.Bits, l.WeightBits, l.ActivationBits,
            l.Macs, l.Bands, l.Group, medians[l.Step], mins[l.Step], Share(medians[l.Step]), Gmacs(l.Macs, medians[l.Step]))).ToArray();
        var groups = rows.GroupBy(r => r.Group).OrderBy(g => g.Key)
            .Select(g => new GroupRow(g.Key, g.Count(), g.Sum(r => r.Macs), g.Sum(r => r.MedianMs), Share(g.Sum(r => r.MedianMs)))).ToArray();
        var total = TimeStats.Of(run.IterationTicks);
        long macs = rows.Sum(r => r.Macs);
        return new ProfileReport(run.Model, run.Threads, run.Settings.Warmup, run.Iterations, DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            DetectMachine(), macs, total, Gmacs(macs, total.MedianMs), groups, rows);
    }

    private static double Gmacs(long macs, double ms) => ms > 0 ? macs / (ms * 1e6) : 0;

    private static ProfileMachine DetectMachine()
    {
        var isa = KernelTable.Forced ?? KernelIsaSupport.Available[^1];
        return new ProfileMachine(RuntimeInformation.ProcessArchitecture.ToString(), Environment.ProcessorCount,
            RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, KernelIsaSupport.Name(isa));
    }
}
