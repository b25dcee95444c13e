using System.Runtime.InteropServices;
using System.Text.Json;
using AQD.Edge.PackModel;
using AQD.Edge.Tools.Tests.FloatImport;
using AQD.Edge.Tools.Tests.PackModel;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Tools.Tests.Verify;

/// <summary>
/// pack-model verify through the CLI: the float ResNet-like network packed with calibration passes;
/// a blob packed from another model, or calibrated on the wrong images (blank frames, so every range
/// is far too small and real photos saturate), fails with exit code 4 naming the first bad layer; a
/// QDQ model is compared with ONNX Runtime running that quantized model.
/// </summary>
public class VerifyTests(ITestOutputHelper output)
{
    private const string Mean = "123.675,116.28,103.53", Std = "58.395,57.12,57.375";

    [Fact]
    public void CalibratedResNetLikePassesWithPerLayerTable()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        using var dir = new TempDir();
        string onnx = dir.File("net.onnx", FloatImportTests.ResNetLike()), blob = dir.Path("net.aqd");
        Pack(onnx, blob, FloatImportTests.ImageFolder());
        var (code, stdout, stderr) = Cli("verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder());
        output.WriteLine(stdout + stderr);
        Assert.True(code == PackModelCli.Ok, stderr);
        Assert.Contains("c0_relu", stdout);          // first conv+BN+ReLU, by its ONNX name
        Assert.Contains("cat", stdout);              // the Concat
        Assert.EndsWith("PASS" + Environment.NewLine, stdout);
        Assert.DoesNotContain("not the file the blob was packed from", stdout);

        (code, stdout, stderr) = Cli("verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder(), "--limit", "1", "--json");
        Assert.True(code == PackModelCli.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(1, json.RootElement.GetProperty("images").GetInt32());
        var layers = json.RootElement.GetProperty("layers");
        Assert.True(layers.GetArrayLength() >= 10, $"{layers.GetArrayLength()} layers compared");
        foreach (var l in layers.EnumerateArray())
        {
            Assert.True(l.GetProperty("cosine").GetDouble() > 0.99, l.ToString());
        }
        Assert.Equal(2, json.RootElement.GetProperty("outputs").GetArrayLength());

        // Thresholds are the user's: an impossible SQNR fails.
        (code, _, stderr) = Cli("verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder(), "--limit", "1", "--min-sqnr", "90");
        Assert.Equal(PackModelCli.VerifyFailed, code);
        Assert.Contains("first failing layer", stderr);
    }

    [Fact]
    public void LowBitBlobIsVerifiedIncludingPackedTensors()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        using var dir = new TempDir();
        string onnx = dir.File("net.onnx", FloatImportTests.ResNetLike()), blob = dir.Path("net-m4.aqd");
        var (code, _, stderr) = Cli("pack", onnx, "-o", blob, "--calibrate", FloatImportTests.ImageFolder(), "--mean", Mean, "--std", Std, "--bits", "M4F8L8");
        Assert.True(code == PackModelCli.Ok, stderr);
        (code, var stdout, stderr) = Cli("verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder(), "--min-sqnr", "5", "--min-cosine", "0.9", "--json");
        output.WriteLine(stdout + stderr);
        Assert.True(code == PackModelCli.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        // conv outputs written packed at 4 bits are compared too (dequantized from their packed codes)
        var layers = json.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.True(layers.Count >= 10, $"{layers.Count} layers compared");
        Assert.All(layers, l => Assert.True(l.GetProperty("cosine").GetDouble() > 0.9, l.ToString()));
    }

    [Fact]
    public void BlobOfAnotherModelFailsAtTheFirstLayer()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        using var dir = new TempDir();
        string onnx = dir.File("net.onnx", FloatImportTests.ResNetLike(42)), other = dir.File("other.onnx", FloatImportTests.ResNetLike(43));
        string blob = dir.Path("other.aqd");
        Pack(other, blob, FloatImportTests.ImageFolder());
        var (code, stdout, stderr) = Cli("verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder());
        output.WriteLine(stdout + stderr);
        Assert.Equal(PackModelCli.VerifyFailed, code);
        Assert.Contains("not the file the blob was packed from", stdout);
        Assert.Contains("first failing layer: 'c0_relu'", stderr);
        Assert.Contains("FAIL", stdout);
    }

    [Fact]
    public void CalibrationOnBlankFramesFailsNamingTheLayer()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        using var dir = new TempDir();
        string onnx = dir.File("net.onnx", FloatImportTests.ResNetLike()), blob = dir.Path("net.aqd");
        string blank = Directory.CreateDirectory(dir.Path("blank")).FullName;
        using (var img = new Image<Rgb24>(40, 48, new Rgb24(20, 20, 20)))
        {
            img.SaveAsPng(Path.Combine(blank, "dark-frame.png"));
        }
        Pack(onnx, blob, blank);
        var (code, stdout, stderr) = Cli("verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder());
        output.WriteLine(stdout + stderr);
        Assert.Equal(PackModelCli.VerifyFailed, code);
        Assert.Matches("first failing layer: '[a-z]+[0-9]+_[a-z]+'", stderr);
        Assert.DoesNotContain("not the file the blob was packed from", stdout);
    }

    [Fact]
    public void QdqModelIsComparedWithOnnxRuntimeRunningIt()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        using var dir = new TempDir();
        var net = new QuantNet(qdq: true, 12, 12, 3, seed: 5).Conv(8, 3, pad: 1, relu: true).MaxPool(2, 2).Conv(16, 3, pad: 1);
        string onnx = dir.File("qdq.onnx", net.Finish()), blob = dir.Path("qdq.aqd");
        var (code, stdout, stderr) = Cli("pack", onnx, "-o", blob);
        Assert.True(code == PackModelCli.Ok, stderr);
        (code, stdout, stderr) = Cli("verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder(), "--min-sqnr", "35", "--min-cosine", "0.9999");
        output.WriteLine(stdout + stderr);
        Assert.True(code == PackModelCli.Ok, stdout + stderr);
        Assert.Contains("l0_y", stdout);             // the QuantizeLinear output after conv+relu, read back from ORT as uint8
    }

    private static void Pack(string onnx, string blob, string images)
    {
        var (code, _, stderr) = Cli("pack", onnx, "-o", blob, "--calibrate", images, "--mean", Mean, "--std", Std);
        Assert.True(code == PackModelCli.Ok, stderr);
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PackModelCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private sealed class TempDir : IDisposable
    {
        private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("verify-test");

        public string Path(string name) => System.IO.Path.Combine(dir.FullName, name);

        public string File(string name, byte[] bytes)
        {
            string p = Path(name);
            System.IO.File.WriteAllBytes(p, bytes);
            return p;
        }

        public void Dispose() => dir.Delete(recursive: true);
    }
}
