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
/// feature cosine &gt;= 0.995 per photo at int8 (issue #3); the low-bit policies M4F8L8, M3F8L8 and
/// M2F8L8 from the same calibration are reported (with loose sanity floors).
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

    /// <summary>
    /// Policies and their per-photo cosine floors: int8 is the issue's requirement; the low-bit floors
    /// are loose sanity bounds below the measured figures (post-training only, no fine-tuning: M4 0.86..0.95,
    /// M3 0.58..0.80, M2 0.09..0.49 when written); a broken path (zeros, garbage) fails them.
    /// </summary>
    private static readonly (string Bits, double MinCosine)[] Policies =
    [
        ("M8F8L8", MinCosine),
        ("M4F8L8", 0.8),
        ("M3F8L8", 0.4),
        ("M2F8L8", 0.02),
    ];

    [Fact]
    public void FeaturesAgreeWithOnnxRuntimeFloatOnEveryPhotoAtInt8AndLowBitPolicies()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        string path = ModelPath();
        Assert.True(File.Exists(path), $"ResNet-18 model not found at {path} (restore the test project: the NuGet package carries it).");
        var onnx = File.ReadAllBytes(path);
        var photos = Photos();
        Assert.Equal(7, photos.Count);

        // float reference features, once
        using var session = new InferenceSession(onnx);
        using var ro = new RunOptions();
        string inputName = session.InputMetadata.Keys.Single(), outputName = session.OutputMetadata.Keys.Single();
        var pixels = photos.Select(p => CalibrationImages.LoadHwc(p, Size, Size, 3)).ToList();
        var references = pixels.Select(px =>
        {
            using var x = OrtValue.CreateTensorValueFromMemory(CntkBgr.ToFloatNchw(px, Size, Size), [1, 3, Size, Size]);
            using var res = session.Run(ro, [inputName], [x], [outputName]);
            return res[0].GetTensorDataAsSpan<float>().ToArray();
        }).ToList();

        // one calibration serves every policy
        var stats = Calibrator.Collect(FloatOnnxGraph.Parse(onnx, "ResNet18.onnx"), photos, CntkBgr);
        output.WriteLine($"ResNet-18 float ONNX: {onnx.Length:N0} bytes");
        var failures = new List<string>();
        var table = new List<string> { $"{"photo",-14} {string.Join(" ", Policies.Select(p => $"{p.Bits,8}"))}" };
        var cosines = new double[Policies.Length, photos.Count];
        for (int k = 0; k < Policies.Length; k++)
        {
            var (bits, minCosine) = Policies[k];
            var result = FloatOnnxPacker.Pack(onnx, new FloatPackOptions
            {
                Pack = new() { SourceFileName = "ResNet18.onnx" },
                Images = photos,
                Normalization = CntkBgr,
                Bits = bits,
                Statistics = stats,
            });
            var blob = result.Packed.Blob;
            output.WriteLine($"{bits}: blob {blob.Length:N0} bytes ({(double)onnx.Length / blob.Length:F2}x smaller than the float ONNX), {result.Packed.OpCount} ops; " +
                string.Join(" ", result.Packed.Notes.Skip(1)));
            var reader = BlobReader.Open(blob, "resnet18");
            Assert.Equal("BGR", reader.Metadata.Preprocessing.ColorOrder);
            Assert.Equal(bits, reader.Metadata.BitPolicy.Shorthand);
            using var engine = InferenceEngine.Load(reader);
            var q = Assert.Single(result.Outputs);
            Assert.Equal((1, 1, 512), (q.Height, q.Width, q.Channels));
            for (int i = 0; i < photos.Count; i++)
            {
                engine.Run(CntkBgr.Quantize(pixels[i]));
                var ours = engine.Output(0).ToArray().Select(v => q.Scale * (v - q.ZeroPoint)).ToArray();
                var (_, cos) = FloatImportTests.Agreement(references[i], ours);
                cosines[k, i] = cos;
                if (!(cos >= minCosine))
                {
                    failures.Add($"{bits} {Path.GetFileName(photos[i])}: cosine {cos:F5} < {minCosine}");
                }
            }
        }
        for (int i = 0; i < photos.Count; i++)
        {
            table.Add($"{Path.GetFileName(photos[i]),-14} {string.Join(" ", Enumerable.Range(0, Policies.Length).Select(k => $"{cosines[k, i],8:F5}"))}");
        }
        output.WriteLine("feature cosine vs ONNX Runtime float:");
        table.ForEach(output.WriteLine);
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
