using System.Text.Json;

namespace AQD.Edge.Profiling.Tests;

public class ReportTests
{
    private static (ProfileRun Run, ProfileReport Report) Profile()
    {
        var (_, engine) = ProfileFixture.Load();
        using var _ = engine;
        var run = Profiler.Run(engine, ProfileFixture.Short, "synthetic.aqd");
        return (run, ProfileReport.From(run));
    }

    [Fact]
    public void ReportHasOneRowPerLayerAndConsistentTotals()
    {
        var (run, report) = Profile();
        Assert.Equal(4, run.Iterations);
        Assert.Equal(4 * run.Layers.Count, run.StepTicks.Count);
        Assert.Equal(run.Layers.Select(l => l.Name), report.Layers.Select(r => r.Name));
        Assert.Equal(run.Layers.Sum(l => l.Macs), report.Macs);
        Assert.Equal(100.0, report.Layers.Sum(r => r.SharePercent), 6);
        Assert.Equal(100.0, report.Groups.Sum(g => g.SharePercent), 6);
        Assert.Equal(report.Layers.Count, report.Groups.Sum(g => g.Layers));
        var t = report.Total;
        Assert.True(t.MinMs <= t.MedianMs && t.MedianMs <= t.P95Ms && t.P95Ms <= t.MaxMs, $"{t}");
        foreach (var r in report.Layers)
        {
            Assert.True(r.MinMs <= r.MedianMs, r.Name);
            Assert.Equal(r.Macs > 0 && r.MedianMs > 0 ? r.Macs / (r.MedianMs * 1e6) : 0, r.GmacPerSecond, 9);
        }
    }

    [Fact]
    public void TimeStatsUseMedianAndNearestRankP95()
    {
        // 20 samples of 1..20 ms: median 10.5, p95 = the 19th value, mean 10.5.
        long perMs = System.Diagnostics.Stopwatch.Frequency / 1000;
        var s = TimeStats.Of(Enumerable.Range(1, 20).Reverse().Select(i => i * perMs));
        Assert.Equal((1, 10.5, 19, 10.5, 20), (s.MinMs, s.MedianMs, s.P95Ms, s.MeanMs, s.MaxMs));
    }

    [Fact]
    public void JsonRoundTripsAndNamesEveryField()
    {
        var (_, report) = Profile();
        string json = ProfileJson.Serialize(report);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("synthetic.aqd", root.GetProperty("model").GetString());
        Assert.Equal(report.Layers.Count, root.GetProperty("layers").GetArrayLength());
        var first = root.GetProperty("layers")[0];
        Assert.Equal("conv1", first.GetProperty("name").GetString());
        Assert.Equal("Conv2D", first.GetProperty("opType").GetString());
        Assert.Equal("Backbone", first.GetProperty("group").GetString());
        Assert.True(root.GetProperty("total").TryGetProperty("p95Ms", out _));
        var back = ProfileJson.Deserialize(json)!;
        Assert.Equal(report.Layers, back.Layers);
        Assert.Equal(report.Total, back.Total);
    }

    [Fact]
    public void TraceIsTraceEventJsonWithOneSlicePerOpPerIterationNestedInItsInference()
    {
        var (run, _) = Profile();
        using var doc = JsonDocument.Parse(PerfettoTrace.ToJson(run));
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.Equal(2, events.Count(e => e.GetProperty("ph").GetString() == "M"));
        var slices = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.Equal(run.Iterations * (1 + run.Layers.Count), slices.Count);
        var inferences = slices.Where(e => e.GetProperty("cat").GetString() == "inference").ToList();
        Assert.Equal(run.Iterations, inferences.Count);
        for (int i = 0; i < run.Iterations; i++)
        {
            double start = inferences[i].GetProperty("ts").GetDouble(), end = start + inferences[i].GetProperty("dur").GetDouble();
            var ops = slices.SkipWhile(e => !e.Equals(inferences[i])).Skip(1).Take(run.Layers.Count).ToList();
            Assert.Equal(run.Layers.Select(l => l.Name), ops.Select(e => e.GetProperty("name").GetString()));
            Assert.Equal(run.Layers.Select(l => l.OpType), ops.Select(e => e.GetProperty("cat").GetString()));
            foreach (var e in ops)
            {
                double ts = e.GetProperty("ts").GetDouble(), dur = e.GetProperty("dur").GetDouble();
                Assert.True(dur >= 0 && ts >= start - 0.001 && ts + dur <= end + 0.01, $"iteration {i}: {e}");
                Assert.Equal(PerfettoTrace.ProcessId, e.GetProperty("pid").GetInt32());
                Assert.Equal(PerfettoTrace.ThreadId, e.GetProperty("tid").GetInt32());
            }
            Assert.Equal(run.Layers.Select(l => l.Macs), ops.Select(e => e.GetProperty("args").GetProperty("macs").GetInt64()));
        }
    }

    [Fact]
    public void ConsoleTableListsEveryLayer()
    {
        var (_, report) = Profile();
        var writer = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(writer),
            Ansi = Spectre.Console.AnsiSupport.No,
        });
        console.Profile.Width = 200;
        ProfileTable.Write(console, report);
        string text = writer.ToString();
        foreach (var r in report.Layers)
        {
            Assert.Contains(r.Name, text);
        }
        Assert.Contains("p95", text);
    }
}
