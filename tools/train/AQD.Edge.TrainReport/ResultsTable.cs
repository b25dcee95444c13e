using System.Globalization;
using System.Text;

namespace AQD.Edge.TrainReport;

/// <summary>
/// Turns run metrics into the results table (a float row per float model, a row per QAT run), the
/// goals of issue #7 and the markdown. When two runs have the same family, bit width and head BN kind,
/// the table lists both and the goals, the latency baseline and the plot use the one given later (list
/// superseded runs first; a shell glob gives name order).
/// </summary>
public sealed class ResultsTable
{
    /// <summary>4-bit engine AP may be at most this many points below float.</summary>
    public const double FourBitMaxDropPoints = 0.5;

    /// <summary>2-bit engine AP may be at most this many points below float.</summary>
    public const double TwoBitMaxDropPoints = 3.0;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public IReadOnlyList<ResultRow> Rows { get; }
    public IReadOnlyList<GoalStatus> Goals { get; }
    public IReadOnlyList<LatencyBaseline> LatencyBaselines { get; }

    /// <summary>Sum of the float-training and QAT phase seconds of the runs (evaluation and packing not included).</summary>
    public (double FloatSeconds, double QatSeconds) TrainingSeconds { get; }

    /// <param name="runs">The runs (any order).</param>
    /// <param name="latencyMs">Single-thread engine latency per run name (runs without a blob absent); null: not measured.</param>
    public ResultsTable(IReadOnlyList<TrainRun> runs, IReadOnlyDictionary<string, LatencySample>? latencyMs = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new ArgumentException("no runs given.", nameof(runs));
        }
        var dup = runs.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new ReportInputException($"{dup.Last().MetricsPath}: run name '{dup.Key}' given twice ({string.Join(", ", dup.Select(r => r.MetricsPath))}).");
        }
        var baselines = new List<LatencyBaseline>();
        if (latencyMs is not null)
        {
            foreach (var fam in runs.Select(r => r.Family).Distinct())
            {
                var measured = Latest(runs).Where(r => r.Family == fam && latencyMs.ContainsKey(r.Name)).ToList();
                var b = measured.Where(r => !r.SharedHeadBn).MaxBy(r => r.Bits) ?? measured.MaxBy(r => r.Bits);
                if (b is not null)
                {
                    baselines.Add(new LatencyBaseline(fam, b.Name, b.Bits, latencyMs[b.Name].MedianMs, latencyMs[b.Name].MinMs));
                }
            }
        }
        LatencyBaselines = baselines;
        TrainingSeconds = (runs.Sum(r => r.FloatSeconds), runs.Sum(r => r.QatSeconds));

        var rows = new List<ResultRow>();
        foreach (var group in runs.GroupBy(r => r.FloatKey))
        {
            // The float models: one row per run that trained one, else (all started from a float.pth) the first run's figures of it.
            var trained = group.Where(r => r.FloatIterations > 0).ToList();
            foreach (var src in trained.Count > 0 ? trained : [group.First()])
            {
                rows.Add(new ResultRow
                {
                    Run = src.FloatIterations > 0 ? $"{src.Name} (float.pth)" : $"float.pth of {src.Name}",
                    Family = src.Family, SharedHeadBn = src.SharedHeadBn, Ap = src.FloatAp,
                    Iterations = src.FloatIterations, Seconds = src.FloatSeconds,
                });
            }
            foreach (var r in group)
            {
                double? ratio = null, minRatio = null;
                var bl = baselines.FirstOrDefault(b => b.Family == r.Family);
                if (latencyMs is not null && bl is not null && latencyMs.TryGetValue(r.Name, out var ms))
                {
                    ratio = ms.MedianMs / bl.MedianMs;
                    minRatio = ms.MinMs / bl.MinMs;
                }
                rows.Add(new ResultRow
                {
                    Run = r.Name, Family = r.Family, Bits = r.Bits, SharedHeadBn = r.SharedHeadBn, Ap = r.EngineAp,
                    DeltaVsFloatPoints = (r.EngineAp.AP - r.FloatAp.AP) * 100,
                    FakeQuantGapPoints = (r.FoldedAp.AP - r.EngineAp.AP) * 100,
                    CodesEqual = r.CodesEqual, CodesTotal = r.CodesTotal, BlobBytes = r.BlobBytes, LatencyRatio = ratio, LatencyMinRatio = minRatio,
                    Iterations = r.QatIterations, Seconds = r.QatSeconds,
                });
            }
        }
        Rows = [.. rows.Select((row, i) => (row, i))
            .OrderBy(x => x.row.Family == "FCOS" ? 0 : 1).ThenBy(x => x.row.SharedHeadBn)
            .ThenByDescending(x => x.row.Bits ?? 99).ThenBy(x => x.i).Select(x => x.row)];
        Goals = EvaluateGoals(runs);
    }

    /// <summary>
    /// Per (family, bits, head BN) key the run given last: what the goals, the latency baseline and the plot use.
    /// A run with a single QAT iteration (a float-model run such as run-curve's FAMILY-float-long: its quantized
    /// row is the calibrated model after one step, not a QAT result) is left out; its rows stay in the table.
    /// </summary>
    public static IReadOnlyList<TrainRun> Latest(IReadOnlyList<TrainRun> runs)
        => [.. runs.Where(r => r.QatIterations > 1).GroupBy(r => (r.Family, r.Bits, r.SharedHeadBn)).Select(g => g.Last())];

    private static List<GoalStatus> EvaluateGoals(IReadOnlyList<TrainRun> runs)
    {
        var latest = Latest(runs);
        var goals = new List<GoalStatus>();
        foreach (var fam in latest.Select(r => r.Family).Distinct().OrderBy(f => f == "FCOS" ? 0 : 1))
        {
            TrainRun? Find(int bits, bool shared) => latest.FirstOrDefault(r => r.Family == fam && r.Bits == bits && r.SharedHeadBn == shared);
            foreach (var (bits, maxDrop) in new[] { (4, FourBitMaxDropPoints), (2, TwoBitMaxDropPoints) })
            {
                string goal = $"{bits}-bit AP >= float AP - {maxDrop.ToString("0.0", Inv)} points";
                var r = Find(bits, false);
                if (r is null)
                {
                    goals.Add(new GoalStatus(fam, goal, $"no {bits}-bit multi-level BN run", null));
                    continue;
                }
                double delta = (r.EngineAp.AP - r.FloatAp.AP) * 100;
                goals.Add(new GoalStatus(fam, goal,
                    string.Create(Inv, $"{r.Name}: engine {Pct(r.EngineAp.AP)} vs float {Pct(r.FloatAp.AP)} ({delta:+0.0;-0.0} points)"), delta >= -maxDrop));
            }
            const string bnGoal = "2-bit: multi-level BN AP > shared BN AP";
            var ml = Find(2, false);
            var sh = Find(2, true);
            if (ml is null || sh is null)
            {
                goals.Add(new GoalStatus(fam, bnGoal, ml is null ? "no 2-bit multi-level BN run" : "no 2-bit shared-BN run", null));
            }
            else
            {
                goals.Add(new GoalStatus(fam, bnGoal, string.Create(Inv,
                    $"{ml.Name} {Pct(ml.EngineAp.AP)} ({(ml.EngineAp.AP - ml.FloatAp.AP) * 100:+0.0;-0.0} vs its float) vs {sh.Name} {Pct(sh.EngineAp.AP)} ({(sh.EngineAp.AP - sh.FloatAp.AP) * 100:+0.0;-0.0} vs its float)"),
                    ml.EngineAp.AP > sh.EngineAp.AP));
            }
        }
        return goals;
    }

    /// <summary>AP as percent points with one decimal (COCO tables' convention).</summary>
    public static string Pct(double ap) => double.IsNaN(ap) ? "–" : (ap * 100).ToString("0.0", Inv);

    public static string Signed(double? points) => points is double p ? p.ToString("+0.0;-0.0;0.0", Inv) : "";

    /// <summary>The table, the latency baselines and the goals as markdown.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| family | model | head BN | run | AP | AP50 | AP75 | APs | APm | AP − float | fake-quant − engine | head codes equal | blob bytes | latency median (min), x base | iterations, seconds |");
        sb.AppendLine("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in Rows)
        {
            string codes = r.CodesTotal is long t && r.CodesEqual is long e
                ? string.Create(Inv, $"{100.0 * e / t:0.####}% of {t:N0}") : "";
            sb.AppendLine(string.Create(Inv,
                $"| {r.Family} | {r.Precision} | {r.HeadBn} | {r.Run} | {Pct(r.Ap.AP)} | {Pct(r.Ap.AP50)} | {Pct(r.Ap.AP75)} | {Pct(r.Ap.APs)} | {Pct(r.Ap.APm)} | {Signed(r.DeltaVsFloatPoints)} | {(r.FakeQuantGapPoints is double g ? g.ToString("0.00", Inv) : "")} | {codes} | {(r.BlobBytes is long b ? b.ToString("N0", Inv) : "")} | {(r.LatencyRatio is double l ? string.Create(Inv, $"{l:0.00} ({r.LatencyMinRatio:0.00})") : "")} | {(r.Iterations > 0 ? $"{r.Iterations} it, {r.Seconds:0} s" : "(loaded)")} |"));
        }
        sb.AppendLine();
        sb.AppendLine("AP columns: COCO AP x100 on the val split (float model for float rows, integer engine running model.aqd for QAT rows); " +
            "\"AP − float\": points against the float model the run was quantized from; \"fake-quant − engine\": folded fake-quant AP minus engine AP, points.");
        if (LatencyBaselines.Count > 0)
        {
            sb.AppendLine(string.Create(Inv, $"Latency: median (and minimum) single-thread InferenceEngine run, ratio to {string.Join("; ", LatencyBaselines.Select(b => $"{b.Family}: {b.Run} (M{b.Bits}F8L8, median {b.MedianMs:0.0} ms, min {b.MinMs:0.0} ms here)"))}, measured in the same report run."));
        }
        else
        {
            sb.AppendLine("Latency: not measured (no model.aqd in the run folders, or --no-latency).");
        }
        sb.AppendLine(string.Create(Inv,
            $"Training time of these {Rows.Count(r => r.Bits is not null)} runs (metrics' phase seconds, evaluation not included): float {TrainingSeconds.FloatSeconds / 60:0} min, QAT {TrainingSeconds.QatSeconds / 60:0} min."));
        sb.AppendLine();
        sb.AppendLine("| family | goal | figures | status |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var g in Goals)
        {
            sb.AppendLine($"| {g.Family} | {g.Goal} | {g.Figures} | {g.Met switch { true => "met", false => "not met", null => "no data" }} |");
        }
        return sb.ToString();
    }
}
