using System.CommandLine;
using System.Text.Json;
using AQD.Edge.Engine.Tests;

namespace AQD.Edge.Profiling.Tests;

public sealed class ProfileRunnerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("aqd-profile-tests").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string WriteModel()
    {
        string path = Path.Combine(dir, "synthetic.aqd");
        File.WriteAllBytes(path, new SyntheticModel().Write());
        return path;
    }

    [Fact]
    public void CommandPrintsTheTableAndWritesJsonAndTrace()
    {
        string model = WriteModel(), json = Path.Combine(dir, "p.json"), trace = Path.Combine(dir, "t.json");
        var output = new StringWriter();
        int code = ProfileRunner.Run(new ProfileOptions { Model = model, Iterations = 3, Warmup = 1, Json = json, Trace = trace }, output);
        Assert.Equal(0, code);
        Assert.Contains("conv1", output.ToString());
        var report = ProfileJson.Deserialize(File.ReadAllText(json))!;
        Assert.Equal((3, 1, 1, 10), (report.Iterations, report.Warmup, report.Threads, report.Layers.Count));
        using var doc = JsonDocument.Parse(File.ReadAllText(trace));
        Assert.Equal(2 + 3 * 11, doc.RootElement.GetProperty("traceEvents").GetArrayLength());
    }

    [Fact]
    public void SystemCommandLineVerbParsesTheOptions()
    {
        string model = WriteModel(), json = Path.Combine(dir, "cli.json");
        var root = new RootCommand { ProfileCommand.Create() };
        int code = root.Parse(["profile", "--model", model, "--iterations", "2", "--warmup", "0", "--json", json]).Invoke();
        Assert.Equal(0, code);
        Assert.Equal(2, ProfileJson.Deserialize(File.ReadAllText(json))!.Iterations);
    }

    [Theory]
    [InlineData("--threads", 0)]
    [InlineData("--iterations", 0)]
    [InlineData("--warmup", -1)]
    public void BadOptionsFailWithTheOptionNamed(string option, int value)
    {
        var o = new ProfileOptions { Model = WriteModel() };
        o = option switch
        {
            "--threads" => o with { Threads = value },
            "--iterations" => o with { Iterations = value },
            _ => o with { Warmup = value },
        };
        var output = new StringWriter();
        Assert.Equal(1, ProfileRunner.Run(o, output));
        Assert.Contains(option, output.ToString());
    }

    [Fact]
    public void MissingModelAndCorruptModelAreReported()
    {
        var output = new StringWriter();
        Assert.Equal(1, ProfileRunner.Run(new ProfileOptions { Model = Path.Combine(dir, "none.aqd") }, output));
        Assert.Contains("--model", output.ToString());
        string bad = Path.Combine(dir, "bad.aqd");
        File.WriteAllBytes(bad, [1, 2, 3, 4, 5, 6, 7, 8]);
        output = new StringWriter();
        Assert.Equal(1, ProfileRunner.Run(new ProfileOptions { Model = bad }, output));
        Assert.Contains("bad.aqd", output.ToString());
    }

    [Fact]
    public void ImageInputNeedsAnImageShapedModelInput()
    {
        // The synthetic model's input is 10x10x8: not an RGB image.
        string image = Path.Combine(AppContext.BaseDirectory, "dog.jpg");
        Assert.True(File.Exists(image), image);
        var output = new StringWriter();
        Assert.Equal(1, ProfileRunner.Run(new ProfileOptions { Model = WriteModel(), Image = image }, output));
        Assert.Contains("--image", output.ToString());
    }
}
