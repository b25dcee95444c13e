using System.Globalization;
using System.Text;
using System.Text.Json;
using AQD.Edge.Bench.Harness;

namespace AQD.Edge.Bench.Reporting;

/// <summary>A finished run: machine, command, rows. Renders markdown and JSON.</summary>
public sealed record BenchReport(
    string Benchmark,
    DateTimeOffset StartedUtc,
    string Command,
    string Baseline,
    string BaselineColumn,
    MachineInfo Machine,
    int Threads,
    HarnessOptions Harness,
    IReadOnlyList<BenchResult> Results)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // files, not HTML: keep "->" readable
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"## {Benchmark} benchmark, {StartedUtc:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(c, $"- command: `{Command}`");
        sb.AppendLine(c, $"- CPU: {Machine.CpuModel}, {Machine.LogicalCores} logical cores, {Machine.Architecture}; threads per case: {Threads}");
        string forced = Machine.ForcedKernelIsa is { } f ? $" (forced: {f})" : "";
        sb.AppendLine(c, $"- CPU flags (/proc/cpuinfo, int8-relevant): {string.Join(" ", Machine.CpuFlags)}");
        sb.AppendLine(c, $"- ISA flags (.NET): {string.Join(" ", Machine.IsaFlags)}; kernel paths: {string.Join(" ", Machine.KernelIsas)}{forced}");
        sb.AppendLine(c, $"- runtime: {Machine.Runtime}, {Machine.Os}; ONNX Runtime {Machine.OnnxRuntimeVersion}");
        sb.AppendLine(c, $"- timing: warm-up >= {Harness.MinWarmupRuns} runs and {Harness.WarmupMs} ms, then >= {Harness.MinRepetitions} runs and {Harness.TargetMs} ms (max {Harness.MaxRepetitions}); cases slower than {Harness.TargetMs / 2} ms per run: 1 untimed call and {Harness.SlowRepetitions} timed runs; median and min of single runs");
        sb.AppendLine(c, $"- ratio: {Baseline} median / case median, measured in this run (> 1 = faster than the baseline; the baseline is timed first and last per shape, the faster kept); \"(on min)\": the same with minimum times, less disturbed by other processes");
        sb.AppendLine("- check: 8-bit outputs compared with the baseline's on the same data (they may differ by 1 at exact rounding ties: ORT rounds half to even in float32, we round half up in fixed point)");
        sb.AppendLine();
        sb.AppendLine(c, $"| shape | engine | variant | bits | median ms | min ms | runs | GMAC/s | {BaselineColumn} | (on min) | check |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Results)
        {
            string ratio = Ratio(r.VsBaseline), ratioMin = Ratio(r.VsBaselineMin);
            sb.AppendLine(c, $"| {r.Shape} | {r.Engine} | {r.Variant} | {r.Bits} | {r.MedianMs:F3} | {r.MinMs:F3} | {r.Repetitions} | {r.GmacPerSecond:F1} | {ratio} | {ratioMin} | {r.Note} |");
        }
        return sb.ToString();
    }

    private static string Ratio(double? r) => r switch
    {
        null => "-",
        < 0.1 => r.Value.ToString("F4", CultureInfo.InvariantCulture) + "x",
        _ => r.Value.ToString("F2", CultureInfo.InvariantCulture) + "x",
    };

    /// <summary>Writes &lt;dir&gt;/&lt;benchmark&gt;-&lt;timestamp&gt;.md/.json and &lt;benchmark&gt;-latest.md/.json.</summary>
    public IReadOnlyList<string> WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        string stamp = StartedUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string md = ToMarkdown(), json = ToJson();
        var paths = new List<string>();
        foreach (string name in new[] { $"{Benchmark}-{stamp}", $"{Benchmark}-latest" })
        {
            string mdPath = Path.Combine(directory, name + ".md"), jsonPath = Path.Combine(directory, name + ".json");
            File.WriteAllText(mdPath, md);
            File.WriteAllText(jsonPath, json);
            paths.Add(mdPath);
            paths.Add(jsonPath);
        }
        return paths;
    }
}
