using AQD.Edge.Aqd;
using AQD.Edge.Model.Container;
using AQD.Edge.PackModel;

namespace AQD.Edge.Tools.Tests;

/// <summary>`pack-model pack-aqd`: the committed AQD checkpoint fixture (tests/data/aqd) to a blob, and its error exit code.</summary>
public sealed class PackAqdCommandTests
{
    private static string Data(string file) => Path.GetFullPath(Path.Combine(AqdImages.FindTestImages(), "..", "aqd", file));

    [Fact]
    public void PacksTheCheckpointFixture()
    {
        string output = Path.Combine(Path.GetTempPath(), $"pack-aqd-{Environment.ProcessId}.aqd");
        try
        {
            var (code, o, e) = PackModelCliRunner.Run("pack-aqd", Data("fcos_r18_w8_m4.pth"), "--policy", Data("fcos_r18_w8_m4.policy.json"), "-o", output);
            Assert.True(code == PackModelCli.Ok, e);
            Assert.Contains("fcos-r18-m4f8l8-128x128", o);
            var reader = BlobReader.Open(File.ReadAllBytes(output), output);
            Assert.Equal("pytorch", reader.Metadata.Source.Format);
            Assert.Equal("fcos_r18_w8_m4.pth", reader.Metadata.Source.FileName);
            Assert.Equal("M4F8L8", reader.Metadata.BitPolicy.Shorthand);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void LabelsFileNamesTheClassesAndTheBlobDetects()
    {
        string output = Path.Combine(Path.GetTempPath(), $"pack-aqd-labels-{Environment.ProcessId}.aqd");
        string labels = Path.Combine(Path.GetTempPath(), $"pack-aqd-labels-{Environment.ProcessId}.txt");
        try
        {
            string[] names = ["zero", "one", "two", "three", "four", "five", "six", "seven"];   // the fixture has 8 classes
            File.WriteAllLines(labels, ["", .. names, "  "]);                                  // blank lines are ignored
            var (code, _, e) = PackModelCliRunner.Run("pack-aqd", Data("fcos_r18_w8_m4.pth"), "--policy", Data("fcos_r18_w8_m4.policy.json"), "-o", output, "--labels", labels);
            Assert.True(code == PackModelCli.Ok, e);
            var reader = BlobReader.Open(File.ReadAllBytes(output), output);
            Assert.Equal(names, reader.Metadata.Labels);
            Assert.Equal(Kernels.Detection.DetectionFamily.Fcos, reader.Detection!.Family);
            Assert.Equal(8, reader.Detection.NumClasses);

            File.WriteAllLines(labels, names[..5]);
            (code, _, e) = PackModelCliRunner.Run("pack-aqd", Data("fcos_r18_w8_m4.pth"), "--policy", Data("fcos_r18_w8_m4.policy.json"), "-o", output, "--labels", labels);
            Assert.Equal(PackModelCli.ImportError, code);
            Assert.Contains("5 labels for 8 classes", e);
        }
        finally
        {
            File.Delete(output);
            File.Delete(labels);
        }
    }

    /// <summary>
    /// The bundled digit demo blobs (app/models/aqd-fcos-digits-m{4,2}.aqd, aqd-retinanet-digits-m4.aqd) are exactly what pack-aqd makes of
    /// their committed checkpoints (app/models/checkpoints) with the options of
    /// tools/pack-model/examples/pack-digits-demo.sh: nothing in a shipped blob comes from outside the repository.
    /// </summary>
    [Theory]
    [InlineData("fcos", 4)]
    [InlineData("fcos", 2)]
    [InlineData("retinanet", 4)]
    public void BundledDigitBlobIsReproducedFromItsCheckpoint(string family, int bits)
    {
        string root = Path.GetFullPath(Path.Combine(AqdImages.FindTestImages(), "..", "..", ".."));
        string models = Path.Combine(root, "app", "models");
        string run = Path.Combine(models, "checkpoints", $"{family}-digits-m{bits}");
        string name = $"aqd-{family}-digits-m{bits}";
        string output = Path.Combine(Path.GetTempPath(), $"pack-aqd-{name}-{Environment.ProcessId}.aqd");
        try
        {
            var (code, _, e) = PackModelCliRunner.Run("pack-aqd", Path.Combine(run, "qat.pth"), "--policy", Path.Combine(run, "policy.json"),
                "--labels", Path.Combine(models, "digits.names"), "--name", name, "--score-threshold", "400", "-o", output);
            Assert.True(code == PackModelCli.Ok, e);
            byte[] expected = File.ReadAllBytes(Path.Combine(models, name + ".aqd")), actual = File.ReadAllBytes(output);
            int first = expected.AsSpan().CommonPrefixLength(actual);
            Assert.True(first == expected.Length && actual.Length == expected.Length,
                $"{name}.aqd ({expected.Length:N0} bytes) differs from the re-packed checkpoint ({actual.Length:N0} bytes) at byte offset {first:N0}");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void UnreadableCheckpointIsAnImportError()
    {
        var (code, _, e) = PackModelCliRunner.Run("pack-aqd", Data("reader_int32.pth"), "--policy", Data("fcos_r18_w8_m4.policy.json"), "-o", Path.Combine(Path.GetTempPath(), "never.aqd"));
        Assert.Equal(PackModelCli.ImportError, code);
        Assert.Contains("reader_int32.pth", e);
        Assert.Contains("unsupported dtype", e);
    }
}
