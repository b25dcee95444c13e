using System.Runtime.InteropServices;
using System.Text.Json;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.PackModel;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.PackModel;

/// <summary>
/// pack-model end to end: quantized ONNX models packed by the library behind the CLI, loaded by the
/// engine, run on random uint8 inputs and compared with ONNX Runtime running the same .onnx. They
/// may differ only by 1 at rare near-ties (ORT requantizes in float32 rounding half to even, we use
/// fixed point rounding half up; see QuantizedConvModelsTests for the exact-tie proof).
/// </summary>
public class PackModelTests(ITestOutputHelper output)
{
    [Fact]
    public void SingleQLinearConvMatchesOnnxRuntime()
        => CompareWithOrt("QLinearConv 3x3", new QuantNet(qdq: false, 12, 11, 3, seed: 1).Conv(16, 3, pad: 1));

    [Fact]
    public void QdqConvReluMatchesOnnxRuntime()
        => CompareWithOrt("QDQ conv+relu", new QuantNet(qdq: true, 10, 9, 3, seed: 2).Conv(12, 3, pad: 1, relu: true));

    [Fact]
    public void QLinearConvChainWithStrideGroupsAndPaddingMatchesOnnxRuntime()
        => CompareWithOrt("QLinearConv chain", new QuantNet(qdq: false, 15, 14, 3, seed: 3)
            .Conv(16, 3, stride: 2, pad: 1).Conv(16, 3, pad: 1, groups: 4).Conv(8, 1));

    [Fact]
    public void QdqChainWithReluStrideGroupsMatchesOnnxRuntime()
        => CompareWithOrt("QDQ chain", new QuantNet(qdq: true, 13, 16, 3, seed: 4)
            .Conv(16, 3, stride: 2, pad: 1, relu: true).Conv(16, 3, pad: 1, groups: 16, relu: true).Conv(10, 1));

    [Fact]
    public void QdqConvMaxPoolGlobalAveragePoolMatchesOnnxRuntime()
        => CompareWithOrt("QDQ conv+maxpool+gap", new QuantNet(qdq: true, 12, 12, 3, seed: 5)
            .Conv(8, 3, pad: 1, relu: true).MaxPool(2, 2).Conv(32, 3, pad: 1).GlobalAveragePool());

    [Fact]
    public void Int8ActivationsQLinearConvChainMatchesOnnxRuntime()
        => CompareWithOrt("QLinearConv int8 chain", new QuantNet(qdq: false, 11, 12, 3, seed: 10, signed: true)
            .Conv(16, 3, stride: 2, pad: 1).Conv(8, 3, pad: 1));

    [Fact]
    public void Int8ActivationsQdqConvReluMatchesOnnxRuntime()
        => CompareWithOrt("QDQ int8 conv+relu", new QuantNet(qdq: true, 10, 10, 3, seed: 11, signed: true)
            .Conv(16, 3, pad: 1, relu: true).Conv(8, 1));

    [Fact]
    public void QdqResidualAddMatchesOnnxRuntime()
        => CompareWithOrt("QDQ residual add", new QuantNet(qdq: true, 10, 9, 3, seed: 12)
            .Conv(16, 3, pad: 1, relu: true)
            .Residual(n => n.Conv(16, 3, pad: 1, relu: true).Conv(16, 1), relu: true));

    [Fact]
    public void NegativeScaleAndInt8WeightMinus128AreClearErrors()
    {
        var onnx = new QuantNet(qdq: false, 8, 8, 3, seed: 13).Conv(4, 3).Finish();
        var e = Assert.Throws<OnnxImportException>(() => QuantizedOnnxPacker.Pack(Mutate(onnx, "l0_ws", t => t.RawData = Google.Protobuf.ByteString.CopyFrom(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes<float>([0.01f, -0.02f, 0.01f, 0.01f]))), new PackOptions()));
        output.WriteLine(e.Message);
        Assert.Contains("QLinearConv_", e.Message);
        Assert.Contains("-0.02", e.Message);
        Assert.Contains("positive", e.Message);

        e = Assert.Throws<OnnxImportException>(() => QuantizedOnnxPacker.Pack(Mutate(onnx, "l0_w", t =>
        {
            var raw = t.RawData.ToByteArray();
            raw[5] = 0x80;
            t.RawData = Google.Protobuf.ByteString.CopyFrom(raw);
        }), new PackOptions()));
        output.WriteLine(e.Message);
        Assert.Contains("weight [0, 0, 1, 2]", e.Message);
        Assert.Contains("-128", e.Message);
    }

    private static byte[] Mutate(byte[] onnx, string initializer, Action<AQD.Edge.Onnx.Protobuf.TensorProto> change)
    {
        var model = AQD.Edge.Onnx.Protobuf.ModelProto.Parser.ParseFrom(onnx);
        change(model.Graph.Initializer.Single(t => t.Name == initializer));
        return Google.Protobuf.MessageExtensions.ToByteArray(model);
    }

    [Fact]
    public void UnsupportedNodesAreAllListedInOneError()
    {
        var onnx = new QuantNet(qdq: true, 8, 8, 3, seed: 6).Conv(4, 3, pad: 1).Raw("Sigmoid").Raw("LeakyRelu").Raw("Softmax").Finish();
        var e = Assert.Throws<OnnxImportException>(() => QuantizedOnnxPacker.Pack(onnx, new PackOptions()));
        output.WriteLine(e.Message);
        Assert.Contains("3 unsupported node(s)", e.Message);
        Assert.Contains("'Sigmoid_", e.Message);
        Assert.Contains("(Sigmoid)", e.Message);
        Assert.Contains("(LeakyRelu)", e.Message);
        Assert.Contains("(Softmax)", e.Message);
    }

    [Fact]
    public void CliPacksAndInspectShowsOpsShapesAndTotals()
    {
        var dir = Directory.CreateTempSubdirectory("packmodel-test");
        try
        {
            string onnx = Path.Combine(dir.FullName, "net.onnx"), blob = Path.Combine(dir.FullName, "net.aqd");
            File.WriteAllBytes(onnx, new QuantNet(qdq: true, 12, 10, 3, seed: 7).Conv(8, 3, stride: 2, pad: 1, relu: true).Conv(4, 1).Finish());
            var (code, stdout, stderr) = Cli("pack", onnx, "-o", blob, "--name", "tiny");
            Assert.True(code == 0, stderr);
            Assert.Contains("2 ops", stdout);

            (code, stdout, stderr) = Cli("inspect", blob);
            output.WriteLine(stdout);
            Assert.True(code == 0, stderr);
            Assert.Contains("model 'tiny'", stdout);
            Assert.Contains("Conv2D", stdout);
            Assert.Contains("12x10x3 uint8(zp=120) -> 6x5x8 uint8(zp=100)", stdout);
            Assert.Contains("6x5x8 uint8(zp=100) -> 6x5x4 uint8(zp=128)", stdout);
            Assert.Contains("GRPH", stdout);
            Assert.Contains($"{6 * 5 * 8 * 27 + 6 * 5 * 4 * 8} MACs", stdout);

            (code, stdout, stderr) = Cli("inspect", blob, "--json");
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            var ops = json.RootElement.GetProperty("ops");
            Assert.Equal(2, ops.GetArrayLength());
            Assert.Equal("Conv2D", ops[0].GetProperty("type").GetString());
            Assert.Equal("6x5x8", ops[0].GetProperty("outputs")[0].GetProperty("shape").GetString());
            Assert.Equal(6 * 5 * 8 * 27, ops[0].GetProperty("macs").GetInt64());
            Assert.All(json.RootElement.GetProperty("sections").EnumerateArray(), s => Assert.True(s.GetProperty("crcOk").GetBoolean()));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void InspectOfACorruptBlobNamesTheFieldAndFails()
    {
        var dir = Directory.CreateTempSubdirectory("packmodel-test");
        try
        {
            var blob = QuantizedOnnxPacker.Pack(new QuantNet(qdq: false, 8, 8, 3, seed: 8).Conv(8, 3).Finish(), new PackOptions()).Blob;
            string truncated = Path.Combine(dir.FullName, "truncated.aqd"), flipped = Path.Combine(dir.FullName, "flipped.aqd");
            File.WriteAllBytes(truncated, blob[..^10]);
            var bad = (byte[])blob.Clone();
            var weights = BlobReader.Open(blob, "x").Find(SectionKind.Weights)!;
            bad[weights.Offset + 5] ^= 0x10;
            File.WriteAllBytes(flipped, bad);

            var (code, _, stderr) = Cli("inspect", truncated);
            output.WriteLine(stderr);
            Assert.Equal(PackModelCli.BadBlob, code);
            Assert.Contains("truncated.aqd", stderr);
            Assert.Contains("field 'fileLength'", stderr);

            (code, _, stderr) = Cli("inspect", flipped);
            output.WriteLine(stderr);
            Assert.Equal(PackModelCli.BadBlob, code);
            Assert.Contains($"section[{weights.Index}] WGHT", stderr);
            Assert.Contains("field 'crc32c'", stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void PackOfAnUnsupportedModelFailsWithTheNodeList()
    {
        var dir = Directory.CreateTempSubdirectory("packmodel-test");
        try
        {
            string onnx = Path.Combine(dir.FullName, "bad.onnx");
            File.WriteAllBytes(onnx, new QuantNet(qdq: true, 8, 8, 3, seed: 9).Conv(4, 3).Raw("Sigmoid").Raw("Tanh").Finish());
            var (code, _, stderr) = Cli("pack", onnx, "-o", Path.Combine(dir.FullName, "bad.aqd"));
            Assert.Equal(PackModelCli.ImportError, code);
            Assert.Contains("(Sigmoid)", stderr);
            Assert.Contains("(Tanh)", stderr);
            Assert.False(File.Exists(Path.Combine(dir.FullName, "bad.aqd")));
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

    private void CompareWithOrt(string name, QuantNet net)
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        var onnx = net.Finish();
        var packed = QuantizedOnnxPacker.Pack(onnx, new PackOptions { Name = name });
        var engine = InferenceEngine.Load(BlobReader.Open(packed.Blob, name));
        int h = (int)net.InputShape[2], w = (int)net.InputShape[3], c = (int)net.InputShape[1];
        int total = 0, differ = 0, saturated = 0;
        var distinct = new HashSet<byte>();
        for (int run = 0; run < 3; run++)
        {
            var rng = new Random(1000 * run + h * 31 + w);
            var x = new byte[h * w * c];
            rng.NextBytes(x);
            var ours = engine.Run(x).ToArray();
            var ort = RunOrt(onnx, x, net);
            Assert.Equal(ort.Length, ours.Length);
            for (int i = 0; i < ours.Length; i++)
            {
                int d = net.ElementType == AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType.Int8
                    ? Math.Abs((sbyte)ours[i] - (sbyte)ort[i]) : Math.Abs(ours[i] - ort[i]);
                Assert.True(d <= 1, $"{name} run {run}: NHWC index {i} (channel {i % net.C}): ours {ours[i]}, ORT {ort[i]}.");
                differ += d;
                saturated += ours[i] is 0 or 255 || net.ElementType == AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType.Int8 && ours[i] is 127 or 128 ? 1 : 0;
                distinct.Add(ours[i]);
            }
            total += ours.Length;
        }
        output.WriteLine($"{name}: {packed.OpCount} ops; {differ} of {total} outputs differ by 1 from ORT; {saturated} saturated, {distinct.Count} distinct values");
        Assert.True(saturated * 5 <= total && distinct.Count >= Math.Min(10, total / 4), $"{name}: outputs are degenerate ({saturated} saturated, {distinct.Count} distinct): the comparison would prove little.");
        Assert.True(differ * 100 <= total, $"{name}: {differ} of {total} outputs differ by 1; near-ties should be rare (< 1%).");
    }

    private static byte[] RunOrt(byte[] onnx, byte[] xNhwc, QuantNet net)
    {
        int h = (int)net.InputShape[2], w = (int)net.InputShape[3], c = (int)net.InputShape[1];
        var nchw = OnnxLayout.HwcToChw<byte>(xNhwc, h, w, c);
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(onnx, options);
        using var input = net.ElementType == AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType.Int8
            ? OrtValue.CreateTensorValueFromMemory(nchw.Select(v => (sbyte)v).ToArray(), net.InputShape)
            : OrtValue.CreateTensorValueFromMemory(nchw, net.InputShape);
        using var runOptions = new RunOptions();
        string outName = session.OutputMetadata.Keys.Single();
        using var results = session.Run(runOptions, [session.InputMetadata.Keys.Single()], [input], [outName]);
        var y = net.ElementType == AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType.Int8
            ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(results[0].GetTensorDataAsSpan<sbyte>()).ToArray()
            : results[0].GetTensorDataAsSpan<byte>().ToArray();
        return OnnxLayout.ChwToHwc<byte>(y, net.H, net.W, net.C);
    }
}
