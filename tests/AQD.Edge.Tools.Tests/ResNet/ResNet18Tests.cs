using System.Reflection;
using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Tools.Tests.FloatImport;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.ResNet;

/// <summary>
/// The real ResNet-18 (ImageNet weights, NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18: a
/// CNTK export, opset 8, BatchNormalization not folded, asymmetric pads [1, 1, 0, 0] on the stride-2
/// convs and the max pool, a 7x7 AveragePool head, a 512-d feature) packed at int8 by pack-model,
/// calibrated on the seven repository photos, run by our engine and by ONNX Runtime float on each:
/// feature cosine &gt;= 0.995 per photo (issue #3).
/// The package's own preprocessing (ResNetPreprocess.onnx: RGB -> BGR, minus a 224x224 mean image)
/// is expressed as BGR channel order and the mean image's per-channel averages; the float reference
/// gets exactly that input, so the comparison measures quantization alone.
/// </summary>
public class ResNet18Tests(ITestOutputHelper output)
{
    private const double MinCosine = 0.995;
    private const int Size = 224;

    /// <summary>Per-channel averages (B, G, R) of the package's MeanImage (ResNetPreprocess.onnx).</summary>
    private static readonly InputNormalization CntkBgr = new([103.0626f, 115.9029f, 123.1516f], [1f, 1f, 1f], bgr: true);

    internal static string ModelPath()
    {
        string root = typeof(ResNet18Tests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ResNet18PackageRoot").Value ?? "";
        return Path.Combine(root, "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
    }

    internal static IReadOnlyList<string> Photos()
    {
        string folder = FloatImportTests.ImageFolder();
        return [.. CalibrationImages.List(folder), .. CalibrationImages.List(Path.Combine(folder, "more"))];
    }

    [Fact]
    public void Int8FeaturesAgreeWithOnnxRuntimeFloatOnEveryPhoto()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        string path = ModelPath();
        Assert.True(File.Exists(path), $"ResNet-18 model not found at {path} (restore the test project: the NuGet package carries it).");
        var onnx = File.ReadAllBytes(path);
        var photos = Photos();
        Assert.Equal(7, photos.Count);

        var result = FloatOnnxPacker.Pack(onnx, new FloatPackOptions
        {
            Pack = new() { SourceFileName = "ResNet18.onnx" },
            Images = photos,
            Normalization = CntkBgr,
        });
        var blob = result.Packed.Blob;
        output.WriteLine($"ResNet-18: float ONNX {onnx.Length:N0} bytes, int8 blob {blob.Length:N0} bytes ({(double)onnx.Length / blob.Length:F2}x smaller), {result.Packed.OpCount} ops");
        var reader = BlobReader.Open(blob, "resnet18");
        Assert.Equal("BGR", reader.Metadata.Preprocessing.ColorOrder);
        var engine = InferenceEngine.Load(reader);
        var q = Assert.Single(result.Outputs);
        Assert.Equal((1, 1, 512), (q.Height, q.Width, q.Channels));

        using var session = new InferenceSession(onnx);
        using var ro = new RunOptions();
        string inputName = session.InputMetadata.Keys.Single(), outputName = session.OutputMetadata.Keys.Single();
        var failures = new List<string>();
        foreach (var photo in photos)
        {
            var px = CalibrationImages.LoadHwc(photo, Size, Size, 3);
            engine.Run(CntkBgr.Quantize(px));
            var ours = engine.Output(0).ToArray().Select(v => q.Scale * (v - q.ZeroPoint)).ToArray();
            using var x = OrtValue.CreateTensorValueFromMemory(CntkBgr.ToFloatNchw(px, Size, Size), [1, 3, Size, Size]);
            using var res = session.Run(ro, [inputName], [x], [outputName]);
            var reference = res[0].GetTensorDataAsSpan<float>().ToArray();
            var (sqnr, cos) = FloatImportTests.Agreement(reference, ours);
            output.WriteLine($"{Path.GetFileName(photo),-14} feature cosine {cos:F5}, SQNR {sqnr:F1} dB");
            if (!(cos >= MinCosine))
            {
                failures.Add($"{Path.GetFileName(photo)}: cosine {cos:F5} < {MinCosine}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
