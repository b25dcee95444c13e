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
        // uint8 weight 0 with zero point 255: w - zp = -255 is outside the kernels' int8 weights
        // [-127, 127]; the importer re-expresses the channel exactly as -1 at scale 255 x w_scale
        // (QuantizedOnnxImporter.WeightFormat: common factor of the channel's w - zp).
        ["test_qlinearconv"] = null,
        // int32 output held as int16 with multiplier exactly 1 (the accumulator bound fits int16).
        ["test_basic_convinteger"] = null,
        ["test_convinteger_with_padding"] = null,
        ["test_convinteger_without_padding"] = null,
        // Standalone Q / DQ: on the device there is no float tensor: a QuantizeLinear of the float graph
        // input is folded into the blob's input quantization (the host quantizes the pixels), a
        // DequantizeLinear of an output is folded into the output's scale (the host dequantizes). A
        // graph of nothing but one of them has no blob op to run, and these tensors are 1-D ([6], [4]),
        // not images. The folding itself is exercised by QdqLowBitConformanceTests.
        ["test_quantizelinear"] = "must have a fixed shape [1, C, H, W]",
        ["test_dequantizelinear"] = "must have a fixed shape [1, C, H, W]",
        // per-axis (per-channel) ACTIVATION quantization: blob activation tensors have one scale and
        // zero point (per-axis is supported for weights, QdqLowBitConformanceTests).
        ["test_quantizelinear_axis"] = "must be one value (per-tensor)",
        ["test_dequantizelinear_axis"] = "must be one value (per-tensor)",
    };

    public static TheoryData<string> NodeTests() => [.. Expected.Keys];

    [Theory]
    [MemberData(nameof(NodeTests))]
    public void OfficialNodeTest(string name) => Run(name, null);

    /// <summary>
    /// Never silently wrong: uint8 weights of one channel whose w - zp leave int8 and share no common
    /// factor (0 and 1 with zero point 255: -255 and -254) are refused, naming the weight.
    /// </summary>
    [Fact]
    public void QLinearConvWithWeightsThatCannotBeReExpressedIsRefused()
    {
        Assert.SkipUnless(Directory.Exists(Path.Combine(Root, "test_qlinearconv")), $"{Root}/test_qlinearconv not found: install Debian's libonnx-testdata.");
        var model = Load("test_qlinearconv", out _, out _);
        var w = model.Graph.Initializer.Single(t => t.Name == "w");
        w.Dims.Clear();
        w.Dims.Add([1, 1, 1, 2]);   // one channel, a 1x2 kernel: w - zp = -255, -254
        w.RawData = ByteString.CopyFrom([0, 1]);
        var node = model.Graph.Node.Single();
        foreach (var a in node.Attribute.Where(a => a.Name == "kernel_shape").ToList()) { node.Attribute.Remove(a); }
        var e = Assert.Throws<OnnxImportException>(() => QuantizedOnnxPacker.Pack(model.ToByteArray(), new PackOptions { SourceFileName = "bad.onnx" }));
        output.WriteLine(e.Message);
        Assert.Contains("minus its zero point is -255", e.Message);
    }

    /// <summary>The model with inputs 1.. folded into initializers, the test inputs and the expected output.</summary>
    private static ModelProto Load(string name, out List<TensorProto> inputs, out TensorProto expected)
    {
        string dir = Path.Combine(Root, name);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dir, "model.onnx")));
        string data = Path.Combine(dir, "test_data_set_0");
        inputs = [.. model.Graph.Input.Select((vi, i) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(data, $"input_{i}.pb"))))];
        expected = TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(data, "output_0.pb")));
        for (int i = model.Graph.Input.Count - 1; i >= 1; i--)
        {
            var t = inputs[i].Clone();
            t.Name = model.Graph.Input[i].Name;
            model.Graph.Initializer.Add(t);
        }
        return model;
    }

    private void Run(string name, Action<ModelProto>? rewrite)
    {
        string dir = Path.Combine(Root, name);
        Assert.SkipUnless(Directory.Exists(Root), $"{Root} not found: install Debian's libonnx-testdata (apt-get install -y libonnx-testdata) to run ONNX's node tests.");
        Assert.SkipUnless(Directory.Exists(dir), $"{dir} not found in this libonnx-testdata version.");
        var model = Load(name, out var inputs, out var expected);
        output.WriteLine($"{name}: nodes {string.Join(", ", model.Graph.Node.Select(n => n.OpType))}; inputs " +
            string.Join(", ", inputs.Select((t, i) => $"{model.Graph.Input[i].Name} {(TensorProto.Types.DataType)t.DataType} [{string.Join(",", t.Dims)}]" +
                (OnnxTensorData.Count(t) <= 4 ? " = " + string.Join(",", Values(t)) : ""))));
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
        foreach (var note in packed.Notes) { output.WriteLine($"note: {note}"); }

        var reader = BlobReader.Open(packed.Blob, name);
        using var engine = InferenceEngine.Load(reader);
        var x = inputs[0];
        Assert.Equal(4, x.Dims.Count);
        int c = (int)x.Dims[1], h = (int)x.Dims[2], w = (int)x.Dims[3];
        var xs = x.RawData.ToByteArray();
        engine.Run(OnnxLayout.ChwToHwc<byte>(xs, h, w, c));
        var graph = Model.Graph.GraphReader.Read(reader);
        var yTensor = graph.Tensors[graph.Outputs[0]];
        var y = Decode(engine.Output(0), yTensor.Format.Storage);
        int yc = (int)expected.Dims[1], yh = (int)expected.Dims[2], yw = (int)expected.Dims[3];
        var want = OnnxLayout.ChwToHwc<long>(OnnxTensorData.Integers(expected), yh, yw, yc);
        Assert.Equal(want.Length, y.Length);
        int offByOne = 0;
        for (int i = 0; i < y.Length; i++)
        {
            long d = Math.Abs(y[i] - want[i]);
            Assert.True(d <= 1, $"{name}: element {i} (NHWC) is {y[i]}, expected {want[i]}");
            offByOne += (int)d;
        }
        output.WriteLine($"{name}: {y.Length} elements ({(TensorProto.Types.DataType)expected.DataType} as {yTensor.Format}), {offByOne} off by one");
        // These single-op tests have no element at a rounding tie: any difference is a bug.
        Assert.Equal(0, offByOne);
    }

    /// <summary>Engine output values of an uint8 / int8 / int16 tensor.</summary>
    internal static long[] Decode(ReadOnlySpan<byte> bytes, Kernels.Tensors.ActivationStorage storage) => storage switch
    {
        Kernels.Tensors.ActivationStorage.Int16 => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(bytes).ToArray().Select(v => (long)v)],
        Kernels.Tensors.ActivationStorage.Int8 => [.. bytes.ToArray().Select(v => (long)(sbyte)v)],
        _ => [.. bytes.ToArray().Select(v => (long)v)],
    };

    private static IEnumerable<string> Values(TensorProto t) => (TensorProto.Types.DataType)t.DataType == TensorProto.Types.DataType.Float
        ? OnnxTensorData.Floats(t).Select(v => v.ToString("G9", System.Globalization.CultureInfo.InvariantCulture))
        : OnnxTensorData.Integers(t).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
