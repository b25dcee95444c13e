using System.Globalization;
using System.Text;
using System.Text.Json;
using AQD.Edge.Bench.Harness;

namespace AQD.Edge.Bench.Models;

/// <summary>The <c>models</c> run: machine, command, rows; markdown, JSON and a PNG chart (ScottPlot).</summary>
public sealed record ModelsReport(DateTimeOffset StartedUtc, string Command, MachineInfo Machine, HarnessOptions Harness,
    IReadOnlyList<ModelResult> Results)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## models benchmark, {StartedUtc:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(Inv, $"- command: `{Command}`");
        sb.AppendLine(Inv, $"- CPU: {Machine.CpuModel}, {Machine.LogicalCores} logical cores, {Machine.Architecture}; CPU flags: {string.Join(" ", Machine.CpuFlags)}");
        sb.AppendLine(Inv, $"- ISA flags (.NET): {string.Join(" ", Machine.IsaFlags)}; kernel paths: {string.Join(" ", Machine.KernelIsas)}{(Machine.ForcedKernelIsa is { } f ? $" (forced: {f})" : "")}");
        sb.AppendLine(Inv, $"- runtime: {Machine.Runtime}, {Machine.Os}; ONNX Runtime {Machine.OnnxRuntimeVersion}");
        sb.AppendLine(Inv, $"- timing: warm-up >= {Harness.MinWarmupRuns} runs and {Harness.WarmupMs} ms, then >= {Harness.MinRepetitions} runs and {Harness.TargetMs} ms (max {Harness.MaxRepetitions}); median and min of single inferences");
        sb.AppendLine("- vs ORT int8 = this median / ONNX Runtime int8 (QDQ export of our calibrated 8-bit blob) median, same model, threads and input (< 1: faster)");
        sb.AppendLine();
        sb.AppendLine("| model | threads | engine | variant | bits | GMAC | median ms | min ms | runs | vs ORT int8 | note |");
        sb.AppendLine("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Results)
        {
            sb.AppendLine(Inv, $"| {r.Model} | {r.Threads} | {r.Engine} | {r.Variant} | {r.Bits} | {r.Macs / 1e9:F3} | {F(r.MedianMs)} | {F(r.MinMs)} | {r.Repetitions} | {(r.TimeVsOrtInt8 is { } v ? v.ToString("F2", Inv) + "x" : "-")} | {r.Note} |");
        }
        return sb.ToString();
    }

    private static string F(double? v) => v is { } x ? x.ToString("F2", Inv) : "-";

    /// <summary>Grouped bars: per model and thread count, each variant's median time relative to ORT int8 (1 = ORT int8).</summary>
    public void SaveChart(string path)
    {
        var plot = new ScottPlot.Plot();
        var groups = Results.Where(r => r.MedianMs is not null && r.TimeVsOrtInt8 is not null)
            .GroupBy(r => (r.Model, r.Threads)).ToList();
        var variants = groups.SelectMany(g => g).Select(r => $"{r.Engine} {r.Variant}").Distinct().ToList();
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / Math.Max(1, variants.Count);
        for (int v = 0; v < variants.Count; v++)
        {
            var bars = new List<ScottPlot.Bar>();
            for (int g = 0; g < groups.Count; g++)
            {
                if (groups[g].FirstOrDefault(r => $"{r.Engine} {r.Variant}" == variants[v]) is { } r)
                {
                    bars.Add(new ScottPlot.Bar
                    {
                        Position = g + (v - (variants.Count - 1) / 2.0) * width,
                        Value = r.TimeVsOrtInt8!.Value,
                        FillColor = palette.GetColor(v),
                        Size = width * 0.95,
                    });
                }
            }
            var series = plot.Add.Bars(bars);
            series.LegendText = variants[v];
        }
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, groups.Count).Select(i => (double)i)],
            [.. groups.Select(g => $"{g.Key.Model}\n{g.Key.Threads} thread{(g.Key.Threads == 1 ? "" : "s")}")]);
        plot.Add.HorizontalLine(1, 1, ScottPlot.Colors.Black, ScottPlot.LinePattern.Dashed);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"Inference time relative to ONNX Runtime int8 (lower is faster) - {Machine.CpuModel}");
        plot.YLabel("median time / ORT int8 median");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 1200, 600);
    }

    /// <summary>Writes models-&lt;timestamp&gt;.md/.json and models-latest.md/.json/.png into <paramref name="directory"/>.</summary>
    public IReadOnlyList<string> WriteTo(string directory, bool chart)
    {
        Directory.CreateDirectory(directory);
        string stamp = StartedUtc.ToString("yyyyMMdd-HHmmss", Inv);
        string md = ToMarkdown(), json = ToJson();
        var paths = new List<string>();
        foreach (string name in new[] { $"models-{stamp}", "models-latest" })
        {
            File.WriteAllText(Path.Combine(directory, name + ".md"), md);
            File.WriteAllText(Path.Combine(directory, name + ".json"), json);
            paths.Add(Path.Combine(directory, name + ".md"));
            paths.Add(Path.Combine(directory, name + ".json"));
        }
        if (chart)
        {
            string png = Path.Combine(directory, "models-latest.png");
            SaveChart(png);
            paths.Add(png);
        }
        return paths;
    }
}
