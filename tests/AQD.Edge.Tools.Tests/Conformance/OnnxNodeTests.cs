using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;

namespace AQD.Edge.Tools.Tests.Conformance;

/// <summary>
/// ONNX's official quantization node tests from Debian's libonnx-testdata (ONNX 1.12 data:
/// /usr/share/libonnx-testdata/data/node/test_*/model.onnx + test_data_set_0/{input,output}_N.pb).
/// Each model's inputs after the first are constants of the test (scales, zero points, weights): they
/// are folded into initializers, the model is packed by <see cref="QuantizedOnnxPacker"/> and run by
/// the engine on input_0 (NCHW -> NHWC), and output_0 is compared exactly (any off-by-one counted).
/// A node test the packer refuses must be refused for its documented reason (<see cref="Expected"/>):
/// when the kernels learn it, the test fails and the table is updated.
/// </summary>
public class OnnxNodeTests(ITestOutputHelper output)
{
    private const string Root = "/usr/share/libonnx-testdata/data/node";

    /// <summary>Node test -> null (must pack and match exactly) or the substring of the documented refusal.</summary>
    private static readonly Dictionary<string, string?> Expected = new()
    {
        // uint8 weight 0 with zero point 255: the integer weight is -255, outside the kernels' int8
        // weights [-127, 127] (docs/kernels.md: symmetric int8 weights, -128 refused). Supporting
        // uint8 weights with a zero point needs either int16 weights (|w - zp| <= 255) in the conv
        // kernels, or a weight zero point term (sum of x over the window times w_zp) folded into the
        // accumulator, i.e. asymmetric-weight conv kernels. QLinearConvWithTheWeightReExpressed
        // runs the rest of it (the official x, y and zero points) through packer and engine.
        ["test_qlinearconv"] = "minus its zero point is",
        // ConvInteger outputs int32 accumulators: the blob has no int32 activation tensors.
        ["test_basic_convinteger"] = "(ConvInteger)",
        ["test_convinteger_with_padding"] = "(ConvInteger)",
        ["test_convinteger_without_padding"] = "(ConvInteger)",
        // Standalone Q / DQ: the blob is an image network of quantized ops with an NHWC [1, H, W, C]
        // uint8/int8 input; a lone QuantizeLinear/DequantizeLinear is folded into the graph edges.
        // 1-D tensors ([6], [4]) are not images:
        ["test_quantizelinear"] = "must have a fixed shape [1, C, H, W]",
        ["test_dequantizelinear"] = "must have a fixed shape [1, C, H, W]",
        // per-axis (per-channel) ACTIVATION quantization: blob activation tensors have one scale and
        // zero point (per-axis is supported for weights only).
        ["test_quantizelinear_axis"] = "must be one value (per-tensor)",
        ["test_dequantizelinear_axis"] = "must be one value (per-tensor)",
    };

    public static TheoryData<string> NodeTests() => [.. Expected.Keys];

    [Theory]
    [MemberData(nameof(NodeTests))]
    public void OfficialNodeTest(string name) => Run(name, null);

    /// <summary>
    /// test_qlinearconv's only weight is 0 with zero point 255 (w - zp = -255 at w_scale). The same
    /// real weight is -1 at scale 255 * w_scale with zero point 0: exact in the weight, the multiplier
    /// x_scale * w_scale' / y_scale is the float32 product as ORT computes it up to the rounding of
    /// 255 * w_scale. The official input and expected output are used as they are.
    /// </summary>
    [Fact]
    public void QLinearConvWithTheWeightReExpressed() => Run("test_qlinearconv", model =>
    {
        var init = model.Graph.Initializer;
        init.Single(t => t.Name == "w").RawData = ByteString.CopyFrom([254]);
        init.Single(t => t.Name == "w_zero_point").RawData = ByteString.CopyFrom([255]);
        var ws = init.Single(t => t.Name == "w_scale");
        float s = ws.FloatData.Count > 0 ? ws.FloatData[0] : BitConverter.ToSingle(ws.RawData.Span);
        ws.RawData = ByteString.Empty;
        ws.FloatData.Clear();
        ws.FloatData.Add(255 * s);
    });

    private void Run(string name, Action<ModelProto>? rewrite)
    {
        string dir = Path.Combine(Root, name);
        Assert.SkipUnless(Directory.Exists(Root), $"{Root} not found: install Debian's libonnx-testdata (apt-get install -y libonnx-testdata) to run ONNX's node tests.");
        Assert.SkipUnless(Directory.Exists(dir), $"{dir} not found in this libonnx-testdata version.");
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dir, "model.onnx")));
        string data = Path.Combine(dir, "test_data_set_0");
        var inputs = model.Graph.Input.Select((vi, i) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(data, $"input_{i}.pb")))).ToList();
        var expected = TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(data, "output_0.pb")));
        output.WriteLine($"{name}: nodes {string.Join(", ", model.Graph.Node.Select(n => n.OpType))}; inputs " +
            string.Join(", ", inputs.Select((t, i) => $"{model.Graph.Input[i].Name} {(TensorProto.Types.DataType)t.DataType} [{string.Join(",", t.Dims)}]" +
                (OnnxTensorData.Count(t) <= 4 ? " = " + string.Join(",", Values(t)) : ""))));

        // Fold inputs 1.. into initializers (scales, zero points, weights are constants of the test).
        for (int i = model.Graph.Input.Count - 1; i >= 1; i--)
        {
            var t = inputs[i].Clone();
            t.Name = model.Graph.Input[i].Name;
            model.Graph.Initializer.Add(t);
        }
        bool rewritten = rewrite is not null;
        rewrite?.Invoke(model);
        PackResult packed;
        try
        {
            packed = QuantizedOnnxPacker.Pack(model.ToByteArray(), new PackOptions { SourceFileName = name + ".onnx" });
        }
        catch (Exception e) when (e is OnnxImportException or ArgumentException or BlobFormatException)
        {
            output.WriteLine($"refused: {e.Message}");
            Assert.False(rewritten, e.Message);
            Assert.True(Expected[name] is { } why && e.Message.Contains(why, StringComparison.Ordinal),
                $"{name}: refused for an undocumented reason: {e.Message}");
            return;
        }
        Assert.True(rewritten || Expected[name] is null, $"{name} now packs: it was documented as refused ('{Expected[name]}'); check it against output_0.pb and update the table.");

        var engine = InferenceEngine.Load(BlobReader.Open(packed.Blob, name));
        var x = inputs[0];
        Assert.Equal(4, x.Dims.Count);
        int c = (int)x.Dims[1], h = (int)x.Dims[2], w = (int)x.Dims[3];
        var xs = x.RawData.ToByteArray();
        engine.Run(OnnxLayout.ChwToHwc<byte>(xs, h, w, c));
        var y = engine.Output(0).ToArray();
        var yExpected = expected.RawData.ToByteArray();
        int yc = (int)expected.Dims[1], yh = (int)expected.Dims[2], yw = (int)expected.Dims[3];
        var want = OnnxLayout.ChwToHwc<byte>(yExpected, yh, yw, yc);
        Assert.Equal(want.Length, y.Length);
        int offByOne = 0;
        for (int i = 0; i < y.Length; i++)
        {
            int d = Math.Abs(y[i] - want[i]);
            Assert.True(d <= 1, $"{name}: element {i} (NHWC) is {y[i]}, expected {want[i]}");
            offByOne += d;
        }
        output.WriteLine($"{name}: {y.Length} elements, {offByOne} off by one (ties: ORT rounds half to even in float, we round half up in fixed point)");
        Assert.Equal(0, offByOne);
    }

    private static IEnumerable<string> Values(TensorProto t) => (TensorProto.Types.DataType)t.DataType == TensorProto.Types.DataType.Float
        ? OnnxTensorData.Floats(t).Select(v => v.ToString("G9", System.Globalization.CultureInfo.InvariantCulture))
        : OnnxTensorData.Integers(t).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
