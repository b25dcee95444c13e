using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Onnx.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// The float-import forms a detector head needs, on a small random net calibrated on the repository
/// photos and compared with ONNX Runtime float: Conv + LeakyRelu (fused), linear Resize up (sizes) and
/// down (scales), Concat, a Split after a conv (per-part convs), a Split of a shared tensor (ChannelSlice),
/// Sigmoid (lookup table), Reshape + Transpose rows views at the outputs; and the errors for the forms
/// that stay unsupported.
/// </summary>
public class DetectorFormsTests(ITestOutputHelper output)
{
    private const int H = 24, W = 20;
    private static readonly InputNormalization Norm = new([103.53f, 116.28f, 123.675f], [57.375f, 57.12f, 58.395f], bgr: true);

    private static AttributeProto Str(string name, string value) => OnnxGraphBuilder.Str(name, value);

    private static AttributeProto Alpha(float a) => new() { Name = "alpha", F = a, Type = AttributeProto.Types.AttributeType.Float };

    /// <summary>Outputs: scores [1, H*W, 6] (sigmoid), boxes [1, H*W, 8], slice0 [1, 5, H, W], down [1, 20, H/2, W/2].</summary>
    internal static byte[] HeadNet(int seed = 5, string? extraOp = null)
    {
        var rng = new Random(seed);
        float[] Gauss(int n, float std) => [.. Enumerable.Range(0, n).Select(_ => (float)(std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())))];
        var b = new OnnxGraphBuilder("headnet").Input("x", DT.Float, 1, 3, H, W);
        void Conv(string name, string x, int cin, int cout, int k, int stride)
        {
            b.Initializer(OnnxTensors.Float(name + "_w", Gauss(cout * cin * k * k, MathF.Sqrt(2f / (cin * k * k))), cout, cin, k, k))
             .Initializer(OnnxTensors.Float(name + "_b", Gauss(cout, 0.2f), cout))
             .Node("Conv", [x, name + "_w", name + "_b"], [name], OnnxGraphBuilder.Ints("kernel_shape", k, k),
                 OnnxGraphBuilder.Ints("strides", stride, stride), OnnxGraphBuilder.Ints("pads", k / 2, k / 2, k / 2, k / 2));
        }
        Conv("c0", "x", 3, 8, 3, 1);
        b.Node("LeakyRelu", ["c0"], ["l0"], Alpha(0.1f));
        Conv("c1", "l0", 8, 12, 3, 2);
        b.Node("LeakyRelu", ["c1"], ["l1"], Alpha(0.1f));
        b.Initializer(OnnxTensors.Int64("up_sizes", [1, 12, H, W], 4))
         .Node("Resize", ["l1", "", "", "up_sizes"], ["up"], Str("mode", "linear"), Str("coordinate_transformation_mode", "half_pixel"));
        b.Node("Concat", ["up", "l0"], ["cat"], OnnxGraphBuilder.Int("axis", 1));
        Conv("head", "cat", 20, 14, 1, 1);
        b.Initializer(OnnxTensors.Int64("head_split", [6, 8], 2))
         .Node("Split", ["head", "head_split"], ["cls", "box"], OnnxGraphBuilder.Int("axis", 1))
         .Node("Sigmoid", ["cls"], ["score"])
         .Initializer(OnnxTensors.Int64("score_shape", [1, 6, -1], 3))
         .Node("Reshape", ["score", "score_shape"], ["score_rows"])
         .Node("Transpose", ["score_rows"], ["scores"], OnnxGraphBuilder.Ints("perm", 0, 2, 1))
         .Initializer(OnnxTensors.Int64("box_shape", [1, 8, H * W], 3))
         .Node("Reshape", ["box", "box_shape"], ["box_rows"])
         .Node("Transpose", ["box_rows"], ["boxes"], OnnxGraphBuilder.Ints("perm", 0, 2, 1))
         .Initializer(OnnxTensors.Int64("cat_split", [5, 15], 2))
         .Node("Split", ["cat", "cat_split"], ["slice0", "slice1"], OnnxGraphBuilder.Int("axis", 1))
         .Initializer(OnnxTensors.Float("down_scales", [1f, 1f, 0.5f, 0.5f], 4))
         .Node("Resize", ["cat", "", "down_scales"], ["down"], Str("mode", "linear"), Str("coordinate_transformation_mode", "half_pixel"))
         .Output("scores", DT.Float, 1, H * W, 6).Output("boxes", DT.Float, 1, H * W, 8)
         .Output("slice0", DT.Float, 1, 5, H, W).Output("down", DT.Float, 1, 20, H / 2, W / 2);
        if (extraOp is not null)
        {
            b.Node(extraOp, ["down"], ["extra"]).Output("extra", DT.Float, 1, 20, H / 2, W / 2);
        }
        return b.ToBytes();
    }

    [Fact]
    public void HeadFormsPackAndAgreeWithOnnxRuntime()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        var onnx = HeadNet();
        var images = CalibrationImages.List(FloatImportTests.ImageFolder());
        var result = FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = images, Normalization = Norm });
        var reader = BlobReader.Open(result.Packed.Blob, "headnet.aqd");
        using var engine = InferenceEngine.Load(reader);
        var graph = engine.Graph;
        string[] names = ["scores", "boxes", "slice0", "down"];
        var outs = graph.Outputs.Select(id => graph.Tensors[id]).ToArray();
        Assert.Equal(names, outs.Select(t => t.Name));
        Assert.Equal(2, graph.Ops.Count(o => (o.Record.Flags & GraphOpFlags.LeakyRelu) != 0));
        Assert.Equal(2, graph.Ops.Count(o => o.Type == GraphOpType.ResizeBilinear));
        Assert.Equal(2, graph.Ops.Count(o => o.Type == GraphOpType.ChannelSlice));   // slice0 and the unread slice1
        Assert.Equal(4, graph.Ops.Count(o => o.Type == GraphOpType.Conv2D));         // c0, c1, head as cls part + box part
        Assert.Equal(GraphOpType.LookupTable, graph.Ops.Single(o => o.Outputs[0] == outs[0].Id).Type);
        Assert.Equal(ActivationFormat.Int16(), outs[0].Format);
        Assert.Equal((H, W, 6), (outs[0].Height, outs[0].Width, outs[0].Channels));
        Assert.Equal((H / 2, W / 2, 20), (outs[3].Height, outs[3].Width, outs[3].Channels));

        using var session = new InferenceSession(onnx);
        using var ro = new RunOptions();
        foreach (var photo in images)
        {
            var px = CalibrationImages.LoadHwc(photo, W, H, 3);
            engine.Run(Norm.Quantize(px));
            using var x = OrtValue.CreateTensorValueFromMemory(Norm.ToFloatNchw(px, H, W), [1, 3, H, W]);
            using var res = session.Run(ro, ["x"], [x], names);
            for (int o = 0; o < names.Length; o++)
            {
                var t = outs[o];
                var reference = res[o].GetTensorDataAsSpan<float>().ToArray();
                if (o >= 2)
                {
                    reference = OnnxLayout.ChwToHwc<float>(reference, t.Height, t.Width, t.Channels);
                }
                float scale = BitConverter.UInt32BitsToSingle(t.ScaleBits);
                var bytes = engine.Output(o);
                float[] ours = t.Format.Storage == ActivationStorage.Int16
                    ? [.. MemoryMarshal.Cast<byte, short>(bytes).ToArray().Select(v => scale * v)]
                    : [.. bytes.ToArray().Select(v => scale * (v - t.Format.ZeroPoint))];
                var (sqnr, cos) = FloatImportTests.Agreement(reference, ours);
                output.WriteLine($"{Path.GetFileName(photo),-12} {names[o],-7} {t.Format,-14} cosine {cos:F5}, SQNR {sqnr:F1} dB");
                Assert.True(cos > 0.99 && sqnr > 20, $"{Path.GetFileName(photo)} {names[o]}: cosine {cos:F5}, SQNR {sqnr:F1} dB");
            }
        }
    }

    [Fact]
    public void UnsupportedNodesAreListedTogether()
    {
        var e = Assert.Throws<OnnxImportException>(() => FloatOnnxGraph.Parse(HeadNet(extraOp: "Softmax"), "headnet"));
        Assert.Contains("1 unsupported node(s)", e.Message);
        Assert.Contains("(Softmax)", e.Message);

        // a Transpose that is not the [0, 2, 1] of a detector output, and a LeakyRelu after an Add
        var b = new OnnxGraphBuilder("bad").Input("x", DT.Float, 1, 3, 4, 4)
            .Node("Transpose", ["x"], ["t"], OnnxGraphBuilder.Ints("perm", 0, 1, 3, 2)).Output("t", DT.Float, 1, 3, 4, 4);
        var t = Assert.Throws<OnnxImportException>(() => FloatOnnxGraph.Parse(b.ToBytes(), "bad"));
        Assert.Contains("(Transpose): supported only as perm [0, 2, 1]", t.Message);
        b = new OnnxGraphBuilder("bad2").Input("x", DT.Float, 1, 3, 4, 4)
            .Node("Add", ["x", "x"], ["s"]).Node("LeakyRelu", ["s"], ["y"], Alpha(0.2f)).Output("y", DT.Float, 1, 3, 4, 4);
        var a = Assert.Throws<OnnxImportException>(() => FloatOnnxGraph.Parse(b.ToBytes(), "bad2"));
        Assert.Contains("a LeakyRelu after an Add is not supported", a.Message);
    }
}
