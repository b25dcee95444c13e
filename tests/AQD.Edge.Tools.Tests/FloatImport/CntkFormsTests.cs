using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// The float importer's forms needed by CNTK / classifier exports such as ML.NET's ResNet-18: an
/// AveragePool covering its whole input (= GlobalAveragePool), Flatten / Reshape of the feature vector
/// as views, opset-8 BatchNormalization attributes, BGR input order. Small synthetic nets, each packed
/// and compared with its plain counterpart (identical engine bytes) or refused with a clear error.
/// </summary>
public class CntkFormsTests(ITestOutputHelper output)
{
    private static readonly InputNormalization Bgr = new([104f, 117f, 123f], [1f, 1f, 1f], bgr: true);

    private static FloatNet Trunk(int seed = 5) => new FloatNet(8, 8, 3, seed).Conv(8, 3, pad: 1).Conv(16, 3, stride: 2, pad: 1);

    [Fact]
    public void BgrOrderReversesPixelChannelsInBothTheFloatAndTheQuantizedInput()
    {
        byte[] px = [10, 20, 30, 40, 50, 60];   // two RGB pixels
        var n = new InputNormalization([0f, 0f, 0f], [1f, 1f, 1f], bgr: true);
        Assert.Equal("BGR", n.ColorOrder);
        Assert.Equal([30, 20, 10, 60, 50, 40], n.Quantize(px));
        Assert.Equal([30f, 60f, 20f, 50f, 10f, 40f], n.ToFloatNchw(px, 1, 2));
        Assert.Equal("RGB", InputNormalization.Identity(3).ColorOrder);
        Assert.Throws<ArgumentException>(() => new InputNormalization([0f], [1f], bgr: true));
    }

    [Fact]
    public void CliBgrOptionWritesBgrColorOrderAndVerifyHonoursIt()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        var dir = Directory.CreateTempSubdirectory("cntkforms-test");
        try
        {
            string onnx = Path.Combine(dir.FullName, "net.onnx"), blob = Path.Combine(dir.FullName, "net.aqd");
            File.WriteAllBytes(onnx, Trunk().AveragePool(4).Finish());
            var o = new StringWriter();
            var e = new StringWriter();
            int code = AQD.Edge.PackModel.PackModelCli.Run(["pack", onnx, "-o", blob, "--calibrate", FloatImportTests.ImageFolder(), "--bgr", "--mean", "104,117,123"], o, e);
            Assert.True(code == 0, e.ToString());
            var meta = BlobReader.Open(File.ReadAllBytes(blob), "net.aqd").Metadata.Preprocessing;
            Assert.Equal("BGR", meta.ColorOrder);
            Assert.Equal([104000, 117000, 123000], meta.MeanMilli);

            // verify reads the color order from the metadata: the reference gets the same BGR input.
            o = new StringWriter();
            e = new StringWriter();
            code = AQD.Edge.PackModel.PackModelCli.Run(["verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder()], o, e);
            output.WriteLine(o.ToString() + e);
            Assert.True(code == 0, e.ToString() + o);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void AveragePoolOverTheWholeInputPacksExactlyLikeGlobalAveragePool()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        var gap = Trunk().GlobalAveragePool().Finish();
        var avg = Trunk().AveragePool(4).Finish();
        AssertSameEngineOutputs(gap, avg, "AveragePool 4x4 over 4x4");
    }

    [Fact]
    public void FlattenAndReshapeOfTheFeatureVectorAreViews()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        var gap = Trunk().GlobalAveragePool().Finish();
        AssertSameEngineOutputs(gap, Append(gap, "Flatten", null, OnnxGraphBuilder.Int("axis", 1)), "Flatten");
        AssertSameEngineOutputs(gap, Append(gap, "Reshape", [1, -1]), "Reshape [1, -1]");
        AssertSameEngineOutputs(gap, Append(gap, "Reshape", [0, 16]), "Reshape [0, 16]");
    }

    [Fact]
    public void NonGlobalAveragePoolAndSpatialFlattenAreClearErrors()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        var images = CalibrationImages.List(FloatImportTests.ImageFolder(), 1);
        var e = Assert.Throws<OnnxImportException>(() => FloatOnnxPacker.Pack(Trunk().AveragePool(3).Finish(), new FloatPackOptions { Images = images }));
        output.WriteLine(e.Message);
        Assert.Contains("(AveragePool): only a kernel covering the whole 4x4 input", e.Message);

        var flat = Append(Trunk().Finish(), "Flatten", null);
        e = Assert.Throws<OnnxImportException>(() => FloatOnnxPacker.Pack(flat, new FloatPackOptions { Images = images }));
        output.WriteLine(e.Message);
        Assert.Contains("only a 1x1xC input (a feature vector) can be flattened", e.Message);

        var reshape = Append(Trunk().GlobalAveragePool().Finish(), "Reshape", [4, 4]);
        e = Assert.Throws<OnnxImportException>(() => FloatOnnxPacker.Pack(reshape, new FloatPackOptions { Images = images }));
        output.WriteLine(e.Message);
        Assert.Contains("to a 16-vector is supported, not to [4, 4]", e.Message);
    }

    [Fact]
    public void Opset8BatchNormAttributesFoldAndSpatialZeroIsRefused()
    {
        var model = ModelProto.Parser.ParseFrom(Trunk().Finish());
        var bn = model.Graph.Node.First(n => n.OpType == "BatchNormalization");
        bn.Attribute.Add(new AttributeProto { Name = "spatial", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        bn.Attribute.Add(new AttributeProto { Name = "momentum", Type = AttributeProto.Types.AttributeType.Float, F = 0.9f });
        var graph = new FloatOnnxGraph(model);
        Assert.Equal(2, graph.Layers.Count(l => l.Kind == FloatLayerKind.Conv));

        bn.Attribute.Single(a => a.Name == "spatial").I = 0;
        var e = Assert.Throws<OnnxImportException>(() => new FloatOnnxGraph(model));
        output.WriteLine(e.Message);
        Assert.Contains("spatial = 0", e.Message);
    }

    [Fact]
    public void ZeroPadNodesFoldIntoTheFollowingConvPadding()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        var plain = new FloatNet(8, 8, 3, seed: 9).Conv(8, 3, pad: 1).Conv(16, 3, stride: 2, pad: 1).GlobalAveragePool().Finish();
        var padded = new FloatNet(8, 8, 3, seed: 9).Pad(1, 1, 1, 1).Conv(8, 3).Pad(1, 0, 0, 1).Conv(16, 3, stride: 2, pad: 0)
            .GlobalAveragePool().Finish();
        // The second conv: own pads 0 + Pad [1, 0, 0, 1] is not the plain net's [1, 1, 1, 1]; make the plain one match.
        var m = ModelProto.Parser.ParseFrom(padded);
        var graph = new FloatOnnxGraph(m);
        var convs = graph.Layers.Where(l => l.Kind == FloatLayerKind.Conv).ToList();
        Assert.Equal([1, 1, 1, 1], convs[0].ExtraPads!);
        Assert.Equal([1, 0, 0, 1], convs[1].ExtraPads!);
        var plainModel = ModelProto.Parser.ParseFrom(plain);
        var second = plainModel.Graph.Node.Where(n => n.OpType == "Conv").ElementAt(1);
        second.Attribute.Remove(second.Attribute.Single(a => a.Name == "pads"));
        second.Attribute.Add(OnnxGraphBuilder.Ints("pads", 1, 0, 0, 1));
        AssertSameEngineOutputs(plainModel.ToByteArray(), padded, "Pad nodes folded into conv padding");

        // The opset 2-10 attribute form gives the same folding.
        var pad = m.Graph.Node.First(n => n.OpType == "Pad");
        pad.Input.RemoveAt(1);
        pad.Attribute.Add(OnnxGraphBuilder.Ints("pads", 0, 0, 1, 1, 0, 0, 1, 1));
        Assert.Equal([1, 1, 1, 1], new FloatOnnxGraph(m).Layers.First(l => l.Kind == FloatLayerKind.Conv).ExtraPads!);
    }

    [Fact]
    public void NonFoldablePadsAreClearErrors()
    {
        foreach (var (mutate, expect) in new (Action<NodeProto>, string)[]
        {
            (n => n.Attribute.Single(a => a.Name == "mode").S = ByteString.CopyFromUtf8("reflect"), "mode reflect"),
            (n => n.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Float, F = 1f }), "value 1"),
        })
        {
            var m = ModelProto.Parser.ParseFrom(new FloatNet(8, 8, 3, seed: 9).Pad(1, 1, 1, 1).Conv(8, 3).Finish());
            mutate(m.Graph.Node.First(n => n.OpType == "Pad"));
            var e = Assert.Throws<OnnxImportException>(() => new FloatOnnxGraph(m));
            output.WriteLine(e.Message);
            Assert.Contains("(Pad): supported only as zero constant padding", e.Message);
            Assert.Contains(expect, e.Message);
        }
        var beforePool = new FloatNet(8, 8, 3, seed: 9).Conv(8, 3).Pad(1, 1, 1, 1).MaxPool(2, 2).Finish();
        var e2 = Assert.Throws<OnnxImportException>(() => FloatOnnxGraph.Parse(beforePool, "pool"));
        output.WriteLine(e2.Message);
        Assert.Contains("read by MaxPool", e2.Message);
    }

    [Fact]
    public void InGraphSubAndMulInputNormalizationFoldsIntoTheInputQuantization()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime runs on x64 only here.");
        float[] mean = [123.675f, 116.28f, 103.53f], std = [58.395f, 57.12f, 57.375f];
        var plain = Trunk().GlobalAveragePool().Finish();
        var m = ModelProto.Parser.ParseFrom(plain);
        m.Graph.Initializer.Add(OnnxTensors.Float("norm_mean", mean, 1, 3, 1, 1));
        m.Graph.Initializer.Add(OnnxTensors.Float("norm_invstd", [.. std.Select(v => 1 / v)], 3, 1, 1));
        var sub = new NodeProto { OpType = "Sub", Name = "norm_sub" };
        sub.Input.AddRange(["x", "norm_mean"]);
        sub.Output.Add("x_centered");
        var mul = new NodeProto { OpType = "Mul", Name = "norm_mul" };
        mul.Input.AddRange(["norm_invstd", "x_centered"]);
        mul.Output.Add("x_normalized");
        m.Graph.Node.First(n => n.OpType == "Conv").Input[0] = "x_normalized";
        m.Graph.Node.Insert(0, mul);
        m.Graph.Node.Insert(0, sub);
        var graph = new FloatOnnxGraph(m);
        var affine = Assert.NotNull(graph.InputAffine);
        Assert.Equal(2, affine.Nodes.Length);
        var imageNet = new InputNormalization(mean, std);
        var b = AssertSameEngineOutputs(plain, m.ToByteArray(), "in-graph Sub + Mul normalization", imageNet, InputNormalization.Identity(3), maxDiff: 1);
        Assert.Equal([123675, 116280, 103530], b.Metadata.Preprocessing.MeanMilli);
        Assert.Equal([58395, 57120, 57375], b.Metadata.Preprocessing.StdMilli);

        // verify feeds the reference the input before the model's own normalization.
        var dir = Directory.CreateTempSubdirectory("cntkforms-norm");
        try
        {
            string onnx = Path.Combine(dir.FullName, "norm.onnx"), blob = Path.Combine(dir.FullName, "norm.aqd");
            File.WriteAllBytes(onnx, m.ToByteArray());
            var (o, e0) = (new StringWriter(), new StringWriter());
            Assert.Equal(0, AQD.Edge.PackModel.PackModelCli.Run(["pack", onnx, "-o", blob, "--calibrate", FloatImportTests.ImageFolder()], o, e0));
            (o, e0) = (new StringWriter(), new StringWriter());
            int code = AQD.Edge.PackModel.PackModelCli.Run(["verify", blob, "--reference", onnx, "--images", FloatImportTests.ImageFolder()], o, e0);
            output.WriteLine(o.ToString() + e0);
            Assert.True(code == 0, e0.ToString() + o);
            Assert.Contains("normalizes its input in the graph", o.ToString() + e0);
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        // A spatial constant (ML.NET's 224x224 mean image form) does not fold: a clear error.
        m.Graph.Initializer.Remove(m.Graph.Initializer.Single(t => t.Name == "norm_mean"));
        m.Graph.Initializer.Add(OnnxTensors.Float("norm_mean", new float[3 * 8 * 8], 1, 3, 8, 8));
        var e = Assert.Throws<OnnxImportException>(() => new FloatOnnxGraph(m));
        output.WriteLine(e.Message);
        Assert.Contains("'norm_sub' (Sub): supported only by a per-channel constant", e.Message);
    }

    /// <summary>Packs both models with the same calibration, runs both blobs on every photo: identical bytes (or within maxDiff).</summary>
    private BlobReader AssertSameEngineOutputs(byte[] plain, byte[] variant, string what,
        InputNormalization? plainNorm = null, InputNormalization? variantNorm = null, int maxDiff = 0)
    {
        var images = CalibrationImages.List(FloatImportTests.ImageFolder());
        var na = plainNorm ?? Bgr;
        var nv = variantNorm ?? Bgr;
        var a = FloatOnnxPacker.Pack(plain, new FloatPackOptions { Images = images, Normalization = na });
        var b = FloatOnnxPacker.Pack(variant, new FloatPackOptions { Images = images, Normalization = nv });
        var ra = BlobReader.Open(a.Packed.Blob, "plain");
        var rb = BlobReader.Open(b.Packed.Blob, "variant");
        Assert.Equal(nv.ColorOrder, rb.Metadata.Preprocessing.ColorOrder);
        var ea = InferenceEngine.Load(ra);
        var eb = InferenceEngine.Load(rb);
        // ONNX Runtime agrees the variant is the same float function.
        using var sa = new InferenceSession(plain);
        using var sb = new InferenceSession(variant);
        using var ro = new RunOptions();
        foreach (var img in images)
        {
            var px = CalibrationImages.LoadHwc(img, 8, 8, 3);
            ea.Run(a.Input.Quantize(px));
            eb.Run(b.Input.Quantize(px));
            var oa = ea.Output(0).ToArray();
            var ob = eb.Output(0).ToArray();
            Assert.Equal(oa.Length, ob.Length);
            for (int i = 0; i < oa.Length; i++)
            {
                Assert.True(Math.Abs(oa[i] - ob[i]) <= maxDiff, $"{what} {Path.GetFileName(img)} [{i}]: plain {oa[i]}, variant {ob[i]} (max difference {maxDiff})");
            }
            using var xa = OrtValue.CreateTensorValueFromMemory(na.ToFloatNchw(px, 8, 8), [1, 3, 8, 8]);
            using var xb = OrtValue.CreateTensorValueFromMemory(nv.ToFloatNchw(px, 8, 8), [1, 3, 8, 8]);
            using var ya = sa.Run(ro, ["x"], [xa], [sa.OutputMetadata.Keys.Single()]);
            using var yb = sb.Run(ro, ["x"], [xb], [sb.OutputMetadata.Keys.Single()]);
            var fa = ya[0].GetTensorDataAsSpan<float>().ToArray();
            var fb = yb[0].GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(fa.Length, fb.Length);
            for (int i = 0; i < fa.Length; i++) { Assert.Equal(fa[i], fb[i], 1e-4f); }
        }
        output.WriteLine($"{what}: {images.Count} photos, engine outputs {(maxDiff == 0 ? "identical to" : $"within {maxDiff} of")} the plain net ({a.Packed.OpCount} vs {b.Packed.OpCount} ops)");
        return rb;
    }

    /// <summary>Appends a node reading the (single) graph output, which becomes the new output (shape left open).</summary>
    private static byte[] Append(byte[] onnx, string opType, long[]? shape, params AttributeProto[] attributes)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var g = model.Graph;
        string x = g.Output.Single().Name, y = x + "_" + opType.ToLowerInvariant();
        var node = new NodeProto { OpType = opType, Name = opType + "_view" };
        node.Input.Add(x);
        if (shape is not null)
        {
            g.Initializer.Add(OnnxTensors.Int64(y + "_shape", shape, shape.Length));
            node.Input.Add(y + "_shape");
        }
        node.Output.Add(y);
        node.Attribute.AddRange(attributes);
        g.Node.Add(node);
        g.Output.Clear();
        g.Output.Add(new ValueInfoProto { Name = y, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        return model.ToByteArray();
    }
}
