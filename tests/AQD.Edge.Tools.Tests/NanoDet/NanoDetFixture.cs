using System.Runtime.InteropServices;
using AQD.Edge.Model.Container;
using AQD.Edge.Tools.Tests.FloatImport;

namespace AQD.Edge.Tools.Tests.NanoDet;

/// <summary>
/// Packs the real NanoDet-g-416 (tests/data/models/nanodet-g-416) once per test class through the
/// pack-model CLI: int8, calibrated (minmax) on the seven repository photos (copied into one folder),
/// NanoDet preprocessing (BGR, mean/std folded into the blob input) and detector metadata.
/// </summary>
public sealed class NanoDetFixture : IDisposable
{
    public const string Mean = "103.53,116.28,123.675", Std = "57.375,57.12,58.395";

    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("nanodet-test");

    public NanoDetFixture()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return;   // the tests skip themselves: ONNX Runtime cross-checks run on x64 only
        }
        string models = Path.Combine(Path.GetDirectoryName(FloatImportTests.ImageFolder())!, "models", "nanodet-g-416");
        OnnxPath = Path.Combine(models, "model.onnx");
        LabelsPath = Path.Combine(models, "coco.names");
        Photos = [.. ResNet.ResNet18Tests.Photos()];
        string images = Path.Combine(dir.FullName, "images");
        Directory.CreateDirectory(images);
        foreach (var p in Photos)
        {
            File.Copy(p, Path.Combine(images, Path.GetFileName(p)));
        }
        ImagesFolder = images;
        BlobPath = Path.Combine(dir.FullName, "nanodet-g-416-int8.aqd");
        var (code, stdout, stderr) = PackModelCliRunner.Run("pack", OnnxPath, "-o", BlobPath, "--calibrate", images,
            "--bgr", "--mean", Mean, "--std", Std, "--labels", LabelsPath, "--name", "nanodet-g-416",
            "--detector", "nanodet", "--strides", "8,16,32", "--reg-max", "10", "--score-threshold", "350", "--iou-threshold", "600", "--max-detections", "100");
        PackLog = stdout + stderr;
        PackExitCode = code;
        if (code == 0)
        {
            Blob = File.ReadAllBytes(BlobPath);
            Reader = BlobReader.Open(Blob, "nanodet-g-416-int8.aqd");
        }
    }

    public string OnnxPath { get; } = "";
    public string LabelsPath { get; } = "";
    public string ImagesFolder { get; } = "";
    public string BlobPath { get; } = "";
    public IReadOnlyList<string> Photos { get; } = [];
    public int PackExitCode { get; } = -1;
    public string PackLog { get; } = "";
    public byte[] Blob { get; } = [];
    public BlobReader? Reader { get; }

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
