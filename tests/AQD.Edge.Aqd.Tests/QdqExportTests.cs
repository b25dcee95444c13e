using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AQD.Edge.Aqd.Tests;

/// <summary>
/// The QDQ ONNX convention (docs/aqd-models.md, "ONNX export convention"): <see cref="AqdQdqExporter"/>'s
/// model, packed by pack-model's QDQ importer, runs in the engine and gives the head codes of the
/// <see cref="AqdBlobWriter"/> blob of the same network on a photo. Differences come only from
/// float32 scales: the importer derives each multiplier from x_scale * w_scale / y_scale in float32
/// (ONNX Runtime's arithmetic), which is within ~2^-23 relative of the lowered 31-bit multiplier, so
/// a value flips by one step only when it lies that close to a rounding boundary (then propagates).
/// They are counted and bounded. ONNX Runtime 1.31.1 runs the same QDQ model (opset 21 with int4 / uint4 /
/// int16, opset 25 with uint2) with graph optimizations off; its outputs are compared with the engine's.
/// </summary>
public sealed class QdqExportTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(2)]
    public void QdqExportPacksToTheSameDetector(int bits) => AssertQdqPacksToTheSameDetector(BitExactnessTests.Build(AqdFamily.Fcos, bits), boundOrtHeadCodes: true);

    /// <summary>
    /// The same path for a ResNet-50 (bottleneck) detector: FCOS-R50 64x64, 4-bit, stride in the 3x3
    /// conv. The packed QDQ model must give the AqdBlobWriter blob's head codes as above. ONNX Runtime is
    /// checked layer by layer on the backbone instead of on the head codes: in this 64x64 model P5 is
    /// 2x2 and P6/P7 one pixel, so a single near-tie flip of ORT's float32 arithmetic in a b-bit
    /// quantizer near C5 (measured: one uint4 value of fpn.lateral5.quant) moves the int16 lateral by up
    /// to M_c x 15 steps and spreads through the top-down path to most of the 860 head codes; the
    /// head comparison is reported, not bounded.
    /// </summary>
    [Fact]
    public void ResNet50QdqExportPacksToTheSameDetector()
    {
        var net = BitExactnessTests.BuildResNet50(AqdFamily.Fcos, 4, strideIn1x1: false);
        AssertQdqPacksToTheSameDetector(net, boundOrtHeadCodes: false);
        AssertOnnxRuntimeBackboneLayers(net);
    }

    /// <summary>
    /// ONNX Runtime on the QDQ model with every tensor's DequantizeLinear as an extra output: each
    /// backbone tensor (stem, bottleneck blocks) against the lowered network's integers (the simulation,
    /// equal to the engine): at most 1% of values differ, by at most 2 steps (float32 near ties). A
    /// misread block (stride on the wrong conv, padding, layout, a shortcut on the wrong input) would
    /// differ almost everywhere.
    /// </summary>
    private static void AssertOnnxRuntimeBackboneLayers(AqdNetwork net)
    {
        var model = AqdQdqExporter.Build(net);
        var backbone = net.Nodes.Where(n => n.Name.StartsWith("stem.", StringComparison.Ordinal) || n.Name.StartsWith("layer", StringComparison.Ordinal)).ToList();
        foreach (var n in backbone)
        {
            var t = n.Output;
            model.Graph.Output.Add(OnnxTensors.Value(t.Name + ".dq", TensorProto.Types.DataType.Float, 1, t.Channels, t.Height, t.Width));
        }
        var o = net.Options;
        var bgr = AqdImages.LoadBgr(Path.Combine(AqdImages.FindTestImages(), "person.jpg"), o.InputWidth, o.InputHeight);
        var sim = FakeQuantSimulation.Run(net, bgr);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(AqdQdqExporter.InputName, OnnxExportTests.Pixels(bgr, o.InputWidth, o.InputHeight, o.InputZeroPoint))]);
        long values = 0, diffs = 0;
        int maxDiff = 0;
        foreach (var n in backbone)
        {
            var t = n.Output;
            var r = results.Single(x => x.Name == t.Name + ".dq").AsTensor<float>();
            var codes = sim.Codes[t.Id];
            int d = 0, m = 0;
            for (int y = 0; y < t.Height; y++)
            {
                for (int x = 0; x < t.Width; x++)
                {
                    for (int c = 0; c < t.Channels; c++)
                    {
                        int ort = (int)Math.Round(r[0, c, y, x] / (float)t.Scale) + t.ZeroPoint;
                        int e = codes[(y * t.Width + x) * t.Channels + c];
                        d += ort != e ? 1 : 0;
                        m = Math.Max(m, Math.Abs(ort - e));
                    }
                }
            }
            Assert.True(d <= Math.Max(2, t.Elements / 100) && m <= 2, $"{n.Name} ({t.Height}x{t.Width}x{t.Channels} {t.Format}): {d} of {t.Elements} values differ between ONNX Runtime and the lowered network (max {m}).");
            values += t.Elements;
            diffs += d;
            maxDiff = Math.Max(maxDiff, m);
        }
        string msg = $"AQD-QDQ-ORT-BACKBONE {o.ModelName}: {backbone.Count} layers, {values} values, {diffs} differ between ONNX Runtime and the lowered network (max {maxDiff})";
        TestContext.Current.TestOutputHelper?.WriteLine(msg);
        Console.WriteLine(msg);
    }

    private static void AssertQdqPacksToTheSameDetector(AqdNetwork net, bool boundOrtHeadCodes)
    {
        byte[] onnx = AqdQdqExporter.Export(net);
        var packed = QuantizedOnnxPacker.Pack(onnx, new PackOptions { SourceFileName = net.Options.ModelName + ".onnx" });
        var reference = AqdBlobWriter.Write(net);
        using var refEngine = InferenceEngine.Load(BlobReader.Open(reference, "aqd"));
        using var qdqEngine = InferenceEngine.Load(BlobReader.Open(packed.Blob, "qdq"));
        var log = TestContext.Current.TestOutputHelper;

        // Same graph shape: one op per network node, one weight section per weight set (levels share it).
        Assert.Equal(refEngine.StepCount, qdqEngine.StepCount);
        var qdqGraph = GraphReader.Read(BlobReader.Open(packed.Blob, "qdq"));
        var refGraph = GraphReader.Read(BlobReader.Open(reference, "aqd"));
        Assert.Equal(refGraph.Ops.Select(o => o.Type), qdqGraph.Ops.Select(o => o.Type));
        int weightSets = net.Nodes.OfType<AqdConv>().Select(c => c.Weights).Distinct().Count();
        Assert.Equal(weightSets, qdqGraph.Ops.Where(o => o.Type == GraphOpType.Conv2D).Select(o => o.Weights).Distinct().Count());
        // The odd-level weights (int4 / int8 in ONNX) come back in the b-bit odd-level format: same formats, same weight bytes.
        Assert.Equal(refGraph.Ops.Select(o => (o.Record.Weights?.Format, o.Weights.Length)), qdqGraph.Ops.Select(o => (o.Record.Weights?.Format, o.Weights.Length)));

        // Detector facts travel in metadata_props: the packed blob's metadata says what the AqdBlobWriter blob says.
        var refMeta = BlobReader.Open(reference, "aqd").Metadata;
        var qdqMeta = BlobReader.Open(packed.Blob, "qdq").Metadata;
        Assert.Equal(refMeta.Detector.Family, qdqMeta.Detector.Family);
        Assert.Equal(refMeta.Detector.Strides, qdqMeta.Detector.Strides);
        Assert.Equal(refMeta.Detector.NumClasses, qdqMeta.Detector.NumClasses);
        Assert.Equal(refMeta.BitPolicy.Shorthand, qdqMeta.BitPolicy.Shorthand);
        Assert.Equal("BGR", qdqMeta.Preprocessing.ColorOrder);

        var o = net.Options;
        var bgr = AqdImages.LoadBgr(Path.Combine(AqdImages.FindTestImages(), "person.jpg"), o.InputWidth, o.InputHeight);
        bgr.CopyTo(refEngine.Input(0));
        bgr.CopyTo(qdqEngine.Input(0));
        refEngine.Run();
        qdqEngine.Run();
        long values = 0, diffs = 0;
        int maxDiff = 0;
        var qdqOutputs = new Dictionary<string, int[]>();
        for (int i = 0; i < net.Outputs.Count; i++)
        {
            var rt = refGraph.Tensors[refGraph.Outputs[i]];
            var qt = qdqGraph.Tensors[qdqGraph.Outputs[i]];
            Assert.Equal(rt.Name, qt.Name);
            var a = TensorCodes.Read(refEngine.Output(i), rt);
            var b = TensorCodes.Read(qdqEngine.Output(i), qt);
            qdqOutputs[qt.Name ?? ""] = b;
            int d = a.Zip(b, (x, y) => x != y ? 1 : 0).Sum();
            int m = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
            values += a.Length;
            diffs += d;
            maxDiff = Math.Max(maxDiff, m);
            log?.WriteLine($"{rt.Name}: {a.Length} codes, {d} differ (max {m})");
        }
        string summary = $"AQD-QDQ {o.ModelName}: {values} head codes, {diffs} differ from the AqdBlobWriter blob (max {maxDiff} steps); " +
            $"{packed.OpCount} ops, {packed.Notes.Count} importer notes";
        log?.WriteLine(summary);
        Console.WriteLine(summary);
        // Bound: float32 scales move a multiplier by < 2^-23 relative; flips are rare and small.
        Assert.True(diffs <= values / 100, summary);
        Assert.True(maxDiff <= 8, summary);

        RunInOnnxRuntime(onnx, net, bgr, qdqOutputs, boundOrtHeadCodes);
    }

    /// <summary>ONNX Runtime on the exported QDQ model: its integer outputs against the QDQ engine's.</summary>
    private static void RunInOnnxRuntime(byte[] onnx, AqdNetwork net, byte[] bgr, Dictionary<string, int[]> engine, bool bound)
    {
        var log = TestContext.Current.TestOutputHelper;
        // Graph optimizations off: ORT's QDQ fusions would change the arithmetic (kernels for int16 / int4 QLinear ops).
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        var session = new InferenceSession(onnx, options);
        using (session)
        {
            var input = OnnxExportTests.Pixels(bgr, net.Options.InputWidth, net.Options.InputHeight, net.Options.InputZeroPoint);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(AqdQdqExporter.InputName, input)]);
            long values = 0, diffs = 0;
            int maxDiff = 0;
            foreach (var output in net.Outputs)
            {
                var t = output.Tensor;
                var r = results.Single(x => x.Name == t.Name);
                var codes = engine[t.Name];
                for (int y = 0; y < t.Height; y++)
                {
                    for (int x = 0; x < t.Width; x++)
                    {
                        for (int c = 0; c < t.Channels; c++)
                        {
                            int ort = t.Format.Storage == Kernels.Tensors.ActivationStorage.Int8
                                ? r.AsTensor<sbyte>()[0, c, y, x] : r.AsTensor<byte>()[0, c, y, x];
                            int e = codes[(y * t.Width + x) * t.Channels + c];
                            diffs += ort != e ? 1 : 0;
                            maxDiff = Math.Max(maxDiff, Math.Abs(ort - e));
                            values++;
                        }
                    }
                }
            }
            string msg = $"AQD-QDQ-ORT {net.Options.ModelName}: {values} head codes, {diffs} differ between ONNX Runtime (float QDQ) and the engine (max {maxDiff})";
            log?.WriteLine(msg);
            Console.WriteLine(msg);
            // ORT computes the QDQ model in float32 (dequantize, float conv, round half to even): near-ties
            // flip by one step in a few int16 values per layer (the engine: 31-bit multipliers, ties up) and
            // propagate; at 2 bits one flipped code is a large step downstream. Bound: 1% of the codes.
            Assert.True(!bound || diffs <= values / 100, msg);
        }
    }
}
