using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.PackModel;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// pack-model for float models: a small ResNet-like float network (conv+BN+ReLU, stride-2 conv,
/// MaxPool, residual Add+ReLU, Resize 2x + Concat, depthwise conv+BN+Clip(0,6), GAP) calibrated on the
/// repository's photos, packed to int8, run by our engine and compared with ONNX Runtime float on
/// the same photos: per output SQNR > 20 dB and cosine > 0.99.
/// </summary>
public class FloatImportTests(ITestOutputHelper output)
{
    private const double MinSqnrDb = 20, MinCosine = 0.99;
    private static readonly InputNormalization ImageNet = new([123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f]);

    internal static string ImageFolder()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "tests", "data", "images");
            if (Directory.Exists(p))
            {
                return p;
            }
        }
        throw new DirectoryNotFoundException("tests/data/images not found above " + AppContext.BaseDirectory);
    }

    /// <summary>48x40 input; outputs: the stage feature map (after Concat + depthwise ReLU6) and the GAP vector.</summary>
    internal static byte[] ResNetLike(int seed = 42)
    {
        var n = new FloatNet(48, 40, 3, seed)
            .Conv(16, 3, pad: 1)                 // conv3x3 + BN + ReLU
            .Conv(32, 3, stride: 2, pad: 1)      // stride 2 -> 24x20
            .MaxPool(2, 2)                       // 12x10
            .Residual();                         // conv+BN+ReLU, conv+BN, Add, ReLU
        var main = n.Current;
        var low = n.ConvOf(main, 16, 1, stride: 2);                      // 6x5
        n.Current = n.Concat(main, n.Resize2x(low));                     // 12x10x48
        n.Conv(48, 3, pad: 1, groups: 48, act: "relu6");                 // depthwise + BN + Clip(0, 6)
        var features = n.Current;
        n.Conv(24, 1, bn: false, act: "none").GlobalAveragePool();
        return n.Output(features).Output().Finish();
    }

    [Fact]
    public void MinMaxCalibratedResNetLikeAgreesWithOnnxRuntimeFloat() => CompareWithOrt(CalibrationMethod.MinMax);

    [Fact]
    public void PercentileCalibratedResNetLikeAgreesWithOnnxRuntimeFloat() => CompareWithOrt(CalibrationMethod.Percentile);

    [Fact]
    public void MseCalibratedResNetLikeAgreesWithOnnxRuntimeFloat() => CompareWithOrt(CalibrationMethod.Mse);

    private void CompareWithOrt(CalibrationMethod method)
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        var onnx = ResNetLike();
        var images = CalibrationImages.List(ImageFolder());
        Assert.Equal(3, images.Count);
        var result = FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = images, Normalization = ImageNet, Method = method });
        var engine = InferenceEngine.Load(BlobReader.Open(result.Packed.Blob, "resnetlike"));
        using var session = new InferenceSession(onnx);
        var names = session.OutputMetadata.Keys.ToList();
        Assert.Equal(2, names.Count);
        foreach (var img in images)
        {
            var px = CalibrationImages.LoadHwc(img, 40, 48, 3);
            engine.Run(ImageNet.Quantize(px));
            using var x = OrtValue.CreateTensorValueFromMemory(ImageNet.ToFloatNchw(px, 48, 40), [1, 3, 48, 40]);
            using var ro = new RunOptions();
            using var res = session.Run(ro, [session.InputMetadata.Keys.Single()], [x], names);
            for (int o = 0; o < names.Count; o++)
            {
                var q = result.Outputs[o];
                var reference = OnnxLayout.ChwToHwc<float>(res[o].GetTensorDataAsSpan<float>().ToArray(), q.Height, q.Width, q.Channels);
                var ours = engine.Output(o).ToArray().Select(v => q.Scale * (v - q.ZeroPoint)).ToArray();
                var (sqnr, cos) = Agreement(reference, ours);
                output.WriteLine($"{method} {Path.GetFileName(img)} output '{names[o]}' {q.Height}x{q.Width}x{q.Channels}: SQNR {sqnr:F1} dB, cosine {cos:F5}");
                Assert.True(sqnr > MinSqnrDb, $"{method} {img} output {names[o]}: SQNR {sqnr:F2} dB <= {MinSqnrDb}");
                Assert.True(cos > MinCosine, $"{method} {img} output {names[o]}: cosine {cos:F5} <= {MinCosine}");
            }
        }
    }

    [Fact]
    public void PercentileRangesLieInsideMinMaxRangesAndClipSomeTensors()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        var graph = FloatOnnxGraph.Parse(ResNetLike(), "resnetlike");
        var images = CalibrationImages.List(ImageFolder());
        var minmax = Calibrator.Run(graph, images, ImageNet, CalibrationMethod.MinMax);
        var pct = Calibrator.Run(graph, images, ImageNet, CalibrationMethod.Percentile, 99.9);
        int clipped = 0;
        foreach (var (name, r) in minmax)
        {
            var p = pct[name];
            Assert.True(r.Min < r.Max, $"{name}: degenerate calibrated range [{r.Min}, {r.Max}]");
            Assert.True(p.Min >= r.Min && p.Max <= r.Max, $"{name}: percentile [{p.Min}, {p.Max}] outside minmax [{r.Min}, {r.Max}]");
            clipped += p.Max < r.Max || p.Min > r.Min ? 1 : 0;
            output.WriteLine($"{name}: minmax [{r.Min:G4}, {r.Max:G4}], 99.9th percentile [{p.Min:G4}, {p.Max:G4}]");
        }
        Assert.True(clipped * 2 >= minmax.Count, $"percentile 99.9 clipped only {clipped} of {minmax.Count} ranges");
    }

    internal static InputNormalization ImageNetNormalization => ImageNet;

    internal static (double SqnrDb, double Cosine) Agreement(float[] reference, float[] ours)
    {
        double signal = 0, noise = 0, dot = 0, nr = 0, no = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            signal += (double)reference[i] * reference[i];
            noise += (double)(reference[i] - ours[i]) * (reference[i] - ours[i]);
            dot += (double)reference[i] * ours[i];
            nr += (double)reference[i] * reference[i];
            no += (double)ours[i] * ours[i];
        }
        return (10 * Math.Log10(signal / Math.Max(noise, 1e-30)), dot / Math.Sqrt(nr * no));
    }

    [Fact]
    public void BatchNormFoldingMatchesConvPlusBatchNormInOnnxRuntime()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        var onnx = ResNetLike(seed: 7);
        var graph = FloatOnnxGraph.Parse(onnx, "resnetlike");
        Assert.Equal(6, graph.Model.Graph.Node.Count(n => n.OpType == "BatchNormalization"));
        Assert.Equal(7, graph.Layers.Count(l => l.Kind == FloatLayerKind.Conv));
        var observed = graph.ObservedTensors.ToList();
        // The original with every fused layer output exposed, vs the folded model (Conv with folded weights, no BN).
        var original = graph.Model.Clone();
        original.Graph.Output.Clear();
        foreach (var o in observed)
        {
            original.Graph.Output.Add(new AQD.Edge.Onnx.Protobuf.ValueInfoProto
            {
                Name = o,
                Type = new AQD.Edge.Onnx.Protobuf.TypeProto { TensorType = new() { ElemType = (int)AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType.Float } },
            });
        }
        var folded = graph.ToFoldedOnnx();
        Assert.DoesNotContain("BatchNormalization", AQD.Edge.Onnx.Protobuf.ModelProto.Parser.ParseFrom(folded).Graph.Node.Select(n => n.OpType));
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var a = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(original), options);
        using var b = new InferenceSession(folded, options);
        var px = CalibrationImages.LoadHwc(Path.Combine(ImageFolder(), "dog.jpg"), 40, 48, 3);
        using var x = OrtValue.CreateTensorValueFromMemory(ImageNet.ToFloatNchw(px, 48, 40), [1, 3, 48, 40]);
        using var ro = new RunOptions();
        using var ra = a.Run(ro, ["x"], [x], observed);
        using var rb = b.Run(ro, ["x"], [x], observed);
        double worst = 0;
        for (int k = 0; k < observed.Count; k++)
        {
            var ya = ra[k].GetTensorDataAsSpan<float>();
            var yb = rb[k].GetTensorDataAsSpan<float>();
            Assert.Equal(ya.Length, yb.Length);
            for (int i = 0; i < ya.Length; i++)
            {
                double err = Math.Abs(ya[i] - yb[i]) / Math.Max(1, Math.Abs(ya[i]));
                worst = Math.Max(worst, err);
                Assert.True(err <= 1e-5, $"{observed[k]}[{i}]: conv+BN {ya[i]}, folded {yb[i]}");
            }
        }
        output.WriteLine($"BN folding: {observed.Count} layer outputs, worst relative difference {worst:E2} (bound 1e-5)");
    }

    [Fact]
    public void UnsupportedNodesAreAllListedInOneError()
    {
        var onnx = new FloatNet(8, 8, 3, seed: 1).Conv(4, 3, pad: 1).Raw("Tanh").Raw("HardSwish").Raw("Softmax").Finish();
        var e = Assert.Throws<OnnxImportException>(() => FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = [] }));
        output.WriteLine(e.Message);
        Assert.Contains("3 unsupported node(s)", e.Message);
        Assert.Contains("'Tanh_", e.Message);
        Assert.Contains("(Tanh)", e.Message);
        Assert.Contains("(HardSwish)", e.Message);
        Assert.Contains("(Softmax)", e.Message);
    }

    [Fact]
    public void UnfusableReluAndQuantizedInputsAreClearErrors()
    {
        var onnx = new FloatNet(8, 8, 3, seed: 2).Raw("Relu").Conv(4, 3).Finish();
        var e = Assert.Throws<OnnxImportException>(() => FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = [] }));
        output.WriteLine(e.Message);
        Assert.Contains("'Relu_0' (Relu): supported only right after a Conv or Add", e.Message);

        var quantized = new PackModel.QuantNet(qdq: false, 8, 8, 3, seed: 3).Conv(4, 3).Finish();
        e = Assert.Throws<OnnxImportException>(() => FloatOnnxPacker.Pack(quantized, new FloatPackOptions { Images = [] }));
        output.WriteLine(e.Message);
        Assert.Contains("is not FLOAT", e.Message);
    }

    [Fact]
    public void BitPoliciesParseAndBadOnesAreRefusedNamingTheOption()
    {
        Assert.Equal(new BitPolicy(8, 8, 8), BitPolicy.Parse("M8F8L8"));
        Assert.Equal(new BitPolicy(8, 8, 8), BitPolicy.Parse("8"));
        Assert.Equal(new BitPolicy(4, 8, 8), BitPolicy.Parse("M4F8L8"));
        Assert.Equal(new BitPolicy(2, 8, 4), BitPolicy.Parse("M2F8L4"));
        Assert.Equal("M3F8L8", BitPolicy.Parse("M3F8L8").ToString());
        var e = Assert.Throws<OnnxImportException>(() => BitPolicy.Parse("M5F8L8"));
        Assert.Contains("--bits 'M5F8L8'", e.Message);
        Assert.Contains("2, 3, 4 or 8", e.Message);
        e = Assert.Throws<OnnxImportException>(() => BitPolicy.Parse("w4a4"));
        Assert.Contains("--bits", e.Message);
    }

    [Fact]
    public void CliPacksAFloatModelWithCalibrationAndProgress()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        var dir = Directory.CreateTempSubdirectory("floatimport-test");
        try
        {
            string onnx = Path.Combine(dir.FullName, "net.onnx"), blob = Path.Combine(dir.FullName, "net.aqd");
            File.WriteAllBytes(onnx, ResNetLike());
            var (code, stdout, stderr) = Cli("pack", onnx, "-o", blob, "--calibrate", ImageFolder(), "--calibrate-method", "percentile",
                "--mean", "123.675,116.28,103.53", "--std", "58.395,57.12,57.375", "--limit", "2");
            output.WriteLine(stderr + stdout);
            Assert.True(code == 0, stderr);
            Assert.Contains("calibrating 2/2", stderr);
            Assert.Contains("ops", stdout);
            (code, stdout, stderr) = Cli("inspect", blob);
            Assert.True(code == 0, stderr);
            Assert.Contains("Concat", stdout);
            Assert.Contains("ResizeNearest2x", stdout);

            (code, stdout, stderr) = Cli("pack", onnx, "-o", blob, "--calibrate", ImageFolder(), "--bits", "M4F8L8", "--calibrate-method", "mse", "--limit", "2");
            Assert.True(code == 0, stderr);
            Assert.Contains("bit policy M4F8L8", stdout + stderr);
            (code, stdout, stderr) = Cli("inspect", blob);
            Assert.True(code == 0, stderr);
            Assert.Contains("Requantize", stdout);
            Assert.Contains("u4-packed", stdout);

            (code, _, stderr) = Cli("pack", onnx, "-o", blob, "--calibrate", ImageFolder(), "--bits", "M5F8L8");
            Assert.Equal(PackModelCli.ImportError, code);
            Assert.Contains("--bits", stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PackModelCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
