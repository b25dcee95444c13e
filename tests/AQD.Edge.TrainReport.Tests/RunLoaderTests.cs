using System.Text.Json.Nodes;

namespace AQD.Edge.TrainReport.Tests;

public class RunLoaderTests
{
    [Fact]
    public void ReadsFolderAndFile_NamedAfterTheRun()
    {
        var a = RunLoader.Load(Fixtures.Dir("retina-w16-m4"));
        var b = RunLoader.Load(Path.Combine(Fixtures.Dir("retina-w16-m4"), "metrics.json"));
        Assert.Equal("retina-w16-m4", a.Name);
        Assert.Equal(a with { MetricsPath = b.MetricsPath }, b);
        Assert.Equal("RetinaNet", a.Family);
        Assert.Null(a.BlobPath);   // fixtures have no model.aqd
        using var tmp = new Fixtures.Temp();
        string file = Path.Combine(tmp.Path, "some-run.json");
        File.Copy(Path.Combine(Fixtures.Dir("retina-w16-m4"), "metrics.json"), file);
        Assert.Equal("some-run", RunLoader.Load(file).Name);
    }

    [Fact]
    public void MissingFolder_NamesTheFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "no-such-run-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ReportInputException>(() => RunLoader.Load(dir));
        Assert.Contains(dir, e.Message);
        Assert.Contains("no such run folder", e.Message);
        Directory.CreateDirectory(dir);   // a folder without metrics.json
        try
        {
            e = Assert.Throws<ReportInputException>(() => RunLoader.Load(dir));
            Assert.Contains(Path.Combine(dir, "metrics.json"), e.Message);
            Assert.Contains("no such file", e.Message);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Theory]
    [InlineData("engineAp.AP75", null, "is missing")]
    [InlineData("model.Bits", "\"four\"", "expected an integer")]
    [InlineData("model.Family", "7", "expected 0 (FCOS)")]
    [InlineData("floatAp.AP", "1.5", "in [0, 1]")]
    [InlineData("model.SharedHeadBn", "1", "true or false")]
    [InlineData("codesTotal", "0", "an integer in [1,")]
    public void BadField_NamesFileAndField(string field, string? value, string problem)
    {
        using var tmp = new Fixtures.Temp();
        var j = Fixtures.Json("fcos-w16-m4");
        var parts = field.Split('.');
        var parent = parts.Length == 1 ? j : j[parts[0]]!;
        if (value is null)
        {
            parent.AsObject().Remove(parts[^1]);
        }
        else
        {
            parent[parts[^1]] = JsonNode.Parse(value);
        }
        string dir = tmp.Run("bad", j);
        var e = Assert.Throws<ReportInputException>(() => RunLoader.Load(dir));
        Assert.Contains(Path.Combine(dir, "metrics.json"), e.Message);
        Assert.Contains($"'{field}'", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void BrokenJson_NamesTheFile()
    {
        using var tmp = new Fixtures.Temp();
        string dir = Path.Combine(tmp.Path, "broken");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "metrics.json"), "{\"model\": {");
        var e = Assert.Throws<ReportInputException>(() => RunLoader.Load(dir));
        Assert.Contains(Path.Combine(dir, "metrics.json"), e.Message);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void Cli_ReportsBadInputWithExitCode()
    {
        var err = new StringWriter();
        Assert.Equal(2, ReportCli.Run(["--repetitions", "0", Fixtures.Dir("fcos-w16-m4")], TextWriter.Null, err));
        Assert.Contains("--repetitions 0", err.ToString());
        err = new StringWriter();
        string missing = Path.Combine(Path.GetTempPath(), "no-such-run-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(1, ReportCli.Run([Fixtures.Dir("fcos-w16-m4"), missing], TextWriter.Null, err));
        Assert.Contains(missing, err.ToString());
        var md = new StringWriter();
        Assert.Equal(0, ReportCli.Run([.. Fixtures.Runs.Select(Fixtures.Dir)], md, TextWriter.Null));
        Assert.Contains("| FCOS | M2F8L8 | multi-level | fcos-w16-m2-v3 |", md.ToString());
    }
}
