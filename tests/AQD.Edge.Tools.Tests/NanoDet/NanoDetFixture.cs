using System.Runtime.InteropServices;
using AQD.Edge.Model.Container;
using AQD.Edge.Tools.Tests.FloatImport;

namespace AQD.Edge.Tools.Tests.NanoDet;

/// <summary>
/// Packs the real NanoDet-g-416 (tests/data/models/nanodet-g-416) once per test class through the
/// pack-model CLI, int8, calibrated (mse ranges, empirical bias correction) on the seven repository photos (copied into one folder),
/// with NanoDet's preprocessing (BGR, mean/std folded into the blob input's quantization), twice:
/// <see cref="Demo"/> as tools/pack-model/examples/pack-nanodet.sh packs the device blob (default int16
/// 1/32768 class scores, detector metadata, DETC decode tables) and <see cref="Coarse"/> with uint8 1/256
/// class scores (<c>--sigmoid-bits 8</c>, no detector tables) for comparison.
/// </summary>
public sealed class NanoDetFixture : IDisposable
{
    public const string Mean = "103.53,116.28,123.675", Std = "57.375,57.12,58.395";

    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("nanodet-test");

    /// <summary>One packed blob: its file, bytes, reader and the CLI's exit code and messages.</summary>
    public sealed record Packed(string Path, int ExitCode, string Log, byte[] Bytes, BlobReader? Reader);

    public NanoDetFixture()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Demo = Coarse = new Packed("", -1, "x64 only", [], null);
            return;   // the tests skip themselves: ONNX Runtime cross-checks run on x64 only
        }
        string models = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(FloatImportTests.ImageFolder())!, "models", "nanodet-g-416");
        OnnxPath = System.IO.Path.Combine(models, "model.onnx");
        LabelsPath = System.IO.Path.Combine(models, "coco.names");
        Photos = [.. ResNet.ResNet18Tests.Photos()];
        string images = System.IO.Path.Combine(dir.FullName, "images");
        Directory.CreateDirectory(images);
        foreach (var p in Photos)
        {
            File.Copy(p, System.IO.Path.Combine(images, System.IO.Path.GetFileName(p)));
        }
        ImagesFolder = images;
        Demo = Pack("nanodet-g-416-int8.aqd", "--labels", LabelsPath, "--name", "nanodet-g-416", "--detector", "nanodet", "--strides", "8,16,32",
            "--reg-max", "10", "--score-threshold", "350", "--iou-threshold", "600", "--max-detections", "100");
        Coarse = Pack("nanodet-g-416-int8-coarse.aqd", "--labels", LabelsPath, "--sigmoid-bits", "8");
    }

    private Packed Pack(string file, params string[] extra)
    {
        string path = System.IO.Path.Combine(dir.FullName, file);
        var (code, stdout, stderr) = PackModelCliRunner.Run(["pack", OnnxPath, "-o", path, "--calibrate", ImagesFolder,
            "--bgr", "--mean", Mean, "--std", Std,
            "--calibrate-method", "mse", "--bias-correction", "empirical", .. extra]);
        if (code != 0)
        {
            return new Packed(path, code, stdout + stderr, [], null);
        }
        var bytes = File.ReadAllBytes(path);
        return new Packed(path, code, stdout + stderr, bytes, BlobReader.Open(bytes, file));
    }

    public string OnnxPath { get; } = "";
    public string LabelsPath { get; } = "";
    public string ImagesFolder { get; } = "";
    public IReadOnlyList<string> Photos { get; } = [];

    /// <summary>The device configuration (int16 class scores, DETC).</summary>
    public Packed Demo { get; }

    /// <summary>uint8 1/256 class scores (for comparison: same boxes, coarser scores).</summary>
    public Packed Coarse { get; }

    public void Dispose()
    {
        try
        {
            dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
    }
}
