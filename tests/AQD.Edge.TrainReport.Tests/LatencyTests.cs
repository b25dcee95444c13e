using AQD.Edge.Aqd;
using AQD.Edge.DetectionData;

namespace AQD.Edge.TrainReport.Tests;

/// <summary>Latency of real (small, built) AQD blobs through the engine: measured and turned into ratios; no timing asserted.</summary>
public class LatencyTests
{
    private static string RunWithBlob(Fixtures.Temp tmp, string name, int bits, int metricsSize)
    {
        const int size = 64;
        var j = Fixtures.Json(bits == 4 ? "fcos-w16-m4" : "fcos-w16-m2-v3");
        j["model"]!["ImageSize"] = metricsSize;
        string dir = tmp.Run(name, j);
        var calib = DigitScenes.Generate(new DigitSceneOptions { ImageSize = size, MaxObjectPx = 28 }, "train", 0).Bgr;
        var net = AqdNetworkBuilder.Build(new AqdModelOptions
        {
            Family = AqdFamily.Fcos, Bits = bits, InputWidth = size, InputHeight = size, NumClasses = 10,
            BackboneWidth = 8, FpnChannels = 16, HeadConvs = 1,
        }, calib);
        File.WriteAllBytes(Path.Combine(dir, "model.aqd"), AqdBlobWriter.Write(net));
        return dir;
    }

    [Fact]
    public void MeasuresEachBlob_RatiosToTheFamilysHighestBitBlob()
    {
        using var tmp = new Fixtures.Temp();
        var runs = new List<TrainRun> { RunLoader.Load(RunWithBlob(tmp, "tiny-m2", 2, 64)), RunLoader.Load(RunWithBlob(tmp, "tiny-m4", 4, 64)) };
        Assert.All(runs, r => Assert.NotNull(r.BlobPath));
        var ms = LatencyMeter.Measure(runs, warmup: 1, repetitions: 3);
        Assert.Equal(["tiny-m2", "tiny-m4"], ms.Keys.Order());
        Assert.All(ms.Values, v => Assert.True(v.MinMs > 0 && v.MedianMs >= v.MinMs));
        var table = new ResultsTable(runs, ms);
        var baseline = Assert.Single(table.LatencyBaselines);
        Assert.Equal(("FCOS", "tiny-m4", 4), (baseline.Family, baseline.Run, baseline.Bits));
        Assert.Equal(1.0, table.Rows.Single(r => r.Run == "tiny-m4").LatencyRatio);
        Assert.Equal(ms["tiny-m2"].MedianMs / ms["tiny-m4"].MedianMs, table.Rows.Single(r => r.Run == "tiny-m2").LatencyRatio);
        Assert.Equal(ms["tiny-m2"].MinMs / ms["tiny-m4"].MinMs, table.Rows.Single(r => r.Run == "tiny-m2").LatencyMinRatio);
        Assert.Contains("ratio to FCOS: tiny-m4 (M4F8L8", table.ToMarkdown());
    }

    [Fact]
    public void BlobThatDoesNotMatchTheMetrics_NamesTheBlob()
    {
        using var tmp = new Fixtures.Temp();
        var run = RunLoader.Load(RunWithBlob(tmp, "tiny-mismatch", 4, 128));
        var e = Assert.Throws<ReportInputException>(() => LatencyMeter.Measure([run], 0, 1));
        Assert.Contains(run.BlobPath!, e.Message);
        Assert.Contains("ImageSize 128", e.Message);
    }
}
