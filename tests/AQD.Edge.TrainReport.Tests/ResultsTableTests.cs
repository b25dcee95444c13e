using System.Globalization;
using System.Text.Json.Nodes;

namespace AQD.Edge.TrainReport.Tests;

public class ResultsTableTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static List<TrainRun> LoadAll() => [.. Fixtures.Runs.Select(r => RunLoader.Load(Fixtures.Dir(r)))];

    [Fact]
    public void QatRows_CarryTheEngineFiguresOfTheirMetrics()
    {
        var table = new ResultsTable(LoadAll());
        string md = table.ToMarkdown();
        foreach (var name in Fixtures.Runs)
        {
            var j = Fixtures.Json(name);
            var row = Assert.Single(table.Rows, r => r.Run == name);
            Assert.Equal(j["model"]!["Bits"]!.GetValue<int>(), row.Bits);
            Assert.Equal(j["model"]!["Family"]!.GetValue<int>() == 0 ? "FCOS" : "RetinaNet", row.Family);
            Assert.Equal(Fixtures.D(j, "engineAp.AP"), row.Ap.AP);
            Assert.Equal(Fixtures.D(j, "engineAp.AP50"), row.Ap.AP50);
            Assert.Equal(Fixtures.D(j, "engineAp.AP75"), row.Ap.AP75);
            Assert.Equal(Fixtures.D(j, "engineAp.APs"), row.Ap.APs);
            Assert.Equal(Fixtures.D(j, "engineAp.APm"), row.Ap.APm);
            Assert.Equal((Fixtures.D(j, "engineAp.AP") - Fixtures.D(j, "floatAp.AP")) * 100, row.DeltaVsFloatPoints!.Value, 9);
            Assert.Equal((Fixtures.D(j, "foldedAp.AP") - Fixtures.D(j, "engineAp.AP")) * 100, row.FakeQuantGapPoints!.Value, 9);
            Assert.Equal(j["blobBytes"]!.GetValue<long>(), row.BlobBytes);
            Assert.Equal(j["codesEqual"]!.GetValue<long>(), row.CodesEqual);
            Assert.Equal(j["codesTotal"]!.GetValue<long>(), row.CodesTotal);
            Assert.Equal(j["qatPhase"]!["Iterations"]!.GetValue<int>(), row.Iterations);
            Assert.Null(row.LatencyRatio);   // not measured

            string cells = string.Create(Inv,
                $"| {row.Family} | M{row.Bits}F8L8 | multi-level | {name} | {Fixtures.D(j, "engineAp.AP") * 100:0.0} | {Fixtures.D(j, "engineAp.AP50") * 100:0.0} | {Fixtures.D(j, "engineAp.AP75") * 100:0.0} |");
            Assert.Contains(cells, md);
            Assert.Contains(j["blobBytes"]!.GetValue<long>().ToString("N0", Inv), md);
        }
    }

    [Fact]
    public void FloatRows_OnePerFloatModel_FromTheRunThatTrainedIt()
    {
        var table = new ResultsTable(LoadAll());
        var floats = table.Rows.Where(r => r.Bits is null).ToList();
        Assert.Equal(2, floats.Count);   // FCOS (m4 trained it, m2 loaded it) and RetinaNet
        var fcos = Assert.Single(floats, r => r.Family == "FCOS");
        var j = Fixtures.Json("fcos-w16-m4");
        Assert.Equal("fcos-w16-m4 (float.pth)", fcos.Run);
        Assert.Equal(Fixtures.D(j, "floatAp.AP"), fcos.Ap.AP);
        Assert.Equal(Fixtures.D(j, "floatPhase.Seconds"), fcos.Seconds);
        // order: family, float first, then bits descending
        Assert.Equal(["FCOS float", "FCOS 4", "FCOS 2", "RetinaNet float", "RetinaNet 4"],
            table.Rows.Select(r => $"{r.Family} {(r.Bits is int b ? b.ToString(Inv) : "float")}"));
    }

    [Fact]
    public void Goals_FollowTheFixtureFigures()
    {
        var table = new ResultsTable(LoadAll());
        foreach (var (name, fam, bits, maxDrop) in new[] { ("fcos-w16-m4", "FCOS", 4, 0.5), ("fcos-w16-m2-v3", "FCOS", 2, 3.0), ("retina-w16-m4", "RetinaNet", 4, 0.5) })
        {
            var j = Fixtures.Json(name);
            bool expected = (Fixtures.D(j, "engineAp.AP") - Fixtures.D(j, "floatAp.AP")) * 100 >= -maxDrop;
            var g = Assert.Single(table.Goals, g => g.Family == fam && g.Goal.StartsWith($"{bits}-bit AP", StringComparison.Ordinal));
            Assert.Equal(expected, g.Met);
            Assert.Contains(name, g.Figures);
        }
        Assert.Null(Assert.Single(table.Goals, g => g.Family == "RetinaNet" && g.Goal.StartsWith("2-bit AP", StringComparison.Ordinal)).Met);
        Assert.Null(Assert.Single(table.Goals, g => g.Family == "FCOS" && g.Goal.Contains("shared", StringComparison.Ordinal)).Met);
    }

    [Theory]
    [InlineData(-0.01, true)]
    [InlineData(0.01, false)]
    public void SharedBnGoal_ComparesTwoBitEngineAps(double sharedMinusMultiLevel, bool met)
    {
        using var tmp = new Fixtures.Temp();
        var j = Fixtures.Json("fcos-w16-m2-v3");
        double ml = Fixtures.D(j, "engineAp.AP");
        j["model"]!["SharedHeadBn"] = true;
        j["engineAp"]!["AP"] = ml + sharedMinusMultiLevel;
        j["floatPhase"]!["Iterations"] = 2000;   // the shared-BN run trains its own float model
        var runs = LoadAll();
        runs.Add(RunLoader.Load(tmp.Run("fcos-sharedbn-m2", j)));
        var table = new ResultsTable(runs);
        Assert.Equal(met, Assert.Single(table.Goals, g => g.Family == "FCOS" && g.Goal.Contains("shared", StringComparison.Ordinal)).Met);
        var row = Assert.Single(table.Rows, r => r.Run == "fcos-sharedbn-m2");
        Assert.Equal("shared", row.HeadBn);
        Assert.Contains(table.Rows, r => r.Run == "fcos-sharedbn-m2 (float.pth)" && r.SharedHeadBn);
    }

    [Fact]
    public void RunGivenLastOfTheSameKey_DrivesTheGoals()
    {
        using var tmp = new Fixtures.Temp();
        var j = Fixtures.Json("fcos-w16-m2-v3");
        j["engineAp"]!["AP"] = Fixtures.D(j, "floatAp.AP") - 0.02;   // within 3 points
        var runs = LoadAll();
        runs.Add(RunLoader.Load(tmp.Run("a-rerun", j)));
        var table = new ResultsTable(runs);
        var g = Assert.Single(table.Goals, g => g.Family == "FCOS" && g.Goal.StartsWith("2-bit AP", StringComparison.Ordinal));
        Assert.True(g.Met);
        Assert.Contains("a-rerun", g.Figures);
        runs.Reverse();   // now fcos-w16-m2-v3 is given last
        g = Assert.Single(new ResultsTable(runs).Goals, g => g.Family == "FCOS" && g.Goal.StartsWith("2-bit AP", StringComparison.Ordinal));
        Assert.Contains("fcos-w16-m2-v3", g.Figures);
        Assert.Equal((Fixtures.D(Fixtures.Json("fcos-w16-m2-v3"), "engineAp.AP") - Fixtures.D(j, "floatAp.AP")) * 100 >= -3.0, g.Met);
        Assert.Equal(2, table.Rows.Count(r => r.Family == "FCOS" && r.Bits == 2));   // the table keeps both
    }

    [Fact]
    public void FloatModelRunWithOneQatStep_StaysInTheTableButDrivesNoGoal()
    {
        using var tmp = new Fixtures.Temp();
        var j = Fixtures.Json("retina-w16-m4");
        j["model"]!["Bits"] = 2;
        j["qatPhase"]!["Iterations"] = 1;   // run-curve's FAMILY-float-long: float training, then one QAT step
        j["engineAp"]!["AP"] = Fixtures.D(j, "floatAp.AP");   // would meet the 2-bit goal if it counted
        var runs = LoadAll();
        runs.Add(RunLoader.Load(tmp.Run("retinanet-float-long", j)));
        var table = new ResultsTable(runs);
        Assert.Contains(table.Rows, r => r.Run == "retinanet-float-long" && r.Bits == 2);
        Assert.DoesNotContain(ResultsTable.Latest(runs), r => r.Name == "retinanet-float-long");
        Assert.Null(Assert.Single(table.Goals, g => g.Family == "RetinaNet" && g.Goal.StartsWith("2-bit AP", StringComparison.Ordinal)).Met);
    }
}
