using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Onnx.Protobuf;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Tools.Tests.Conformance;

/// <summary>
/// Debian's libonnx-testdata (ONNX 1.12) predates int4/uint4 (opset 21) and int2/uint2 (opset 25), so
/// these QDQ models are written here with <see cref="OnnxGraphBuilder"/>: uint8 x -> DequantizeLinear
/// -> Conv (weights int4 / uint4 / int2 / uint2 through a per-axis DequantizeLinear with per-channel
/// scales AND zero points, int32 bias through a DequantizeLinear) -> [Relu] -> QuantizeLinear (uint8,
/// uint4 or uint2 activations) -> [a second such layer]. Packed by pack-model, run by the engine, and
/// checked against a C# reference of ONNX's semantics (float32 dequantization, the conv summed in
/// double, QuantizeLinear = saturate(round-half-to-even(v / y_scale) + y_zp)). Each layer is checked on
/// its own (the second layer's reference reads the engine's first-layer output). Every element off by
/// one is counted and must be a near-tie (v / y_scale within 1e-3 of k + 1/2: ONNX rounds half to
/// even, the engine's fixed point rounds half up with a 31-bit multiplier); larger differences fail.
/// </summary>
public class QdqLowBitConformanceTests(ITestOutputHelper output)
{
    private const int H = 7, W = 6, C = 3;

    private sealed record Layer(int Cout, int K, int Pad, DT WeightType, int[] WeightZeros, DT OutType, int OutZero, bool Relu);

    private static (int Lo, int Hi) Range(DT t) => t switch
    {
        DT.Int4 => (-8, 7), DT.Uint4 => (0, 15), DT.Int2 => (-2, 1), DT.Uint2 => (0, 3), DT.Int8 => (-128, 127), _ => (0, 255),
    };

    private static TensorProto Zeros(string name, DT type, int[] values, params long[] dims) => type switch
    {
        DT.Uint8 => OnnxTensors.UInt8(name, [.. values.Select(v => (byte)v)], dims),
        DT.Int8 => OnnxTensors.Int8(name, [.. values.Select(v => (sbyte)v)], dims),
        _ => OnnxTensors.SubByte(name, type, values, dims),
    };

    /// <summary>One built model plus everything the reference needs.</summary>
    private sealed class Net
    {
        public readonly List<(Layer L, int Cin, int[] W, float[] Ws, int[] B, float Xs, int Xz, float Ys, string Out)> Layers = [];
        public byte[] Onnx = [];
    }

    private static Net Build(int seed, long opset, params Layer[] layers)
    {
        var rng = new Random(seed);
        var b = new OnnxGraphBuilder("qdq_lowbit").Input("x", DT.Uint8, 1, C, H, W);
        var net = new Net();
        string current = "x";
        float xs = 0.02f;
        int xz = 120, cin = C;
        var xType = DT.Uint8;
        for (int li = 0; li < layers.Length; li++)
        {
            var l = layers[li];
            string p = $"l{li}";
            var (wlo, whi) = Range(l.WeightType);
            int count = l.Cout * cin * l.K * l.K;
            var w = Enumerable.Range(0, count).Select(_ => rng.Next(wlo, whi + 1)).ToArray();
            var ws = Enumerable.Range(0, l.Cout).Select(_ => 0.05f + 0.1f * (float)rng.NextDouble()).ToArray();
            var bias = Enumerable.Range(0, l.Cout).Select(_ => rng.Next(-300, 300)).ToArray();
            var (ylo, yhi) = Range(l.OutType);
            // output scale so that the outputs spread over the output type's range: std(v) ~ xs ws sqrt(K) std(x) std(w)
            var (xlo, xhi) = Range(xType);
            float std = xs * ws.Average() * MathF.Sqrt(count / (float)l.Cout) * (xhi - xlo + 1) / 3.5f * (whi - wlo + 1) / 3.5f;
            float ys = (xz == xlo ? 12 : 4) * std / (yhi - ylo + 1);   // inputs at their zero point's end have a mean far from zp
            b.Initializer(OnnxTensors.Float($"{p}_xs", xs))
             .Initializer(Zeros($"{p}_xz", xType, [xz]))
             .Initializer(OnnxTensors.SubByte($"{p}_w", l.WeightType, w, l.Cout, cin, l.K, l.K))
             .Initializer(OnnxTensors.Float($"{p}_ws", ws, l.Cout))
             .Initializer(Zeros($"{p}_wz", l.WeightType, l.WeightZeros, l.Cout))
             .Initializer(OnnxTensors.Int32($"{p}_b", bias, l.Cout))
             .Initializer(OnnxTensors.Float($"{p}_bs", [.. ws.Select(s => xs * s)], l.Cout))
             .Initializer(OnnxTensors.Float($"{p}_ys", ys))
             .Initializer(Zeros($"{p}_yz", l.OutType, [l.OutZero]))
             .Node("DequantizeLinear", [current, $"{p}_xs", $"{p}_xz"], [$"{p}_xf"])
             .Node("DequantizeLinear", [$"{p}_w", $"{p}_ws", $"{p}_wz"], [$"{p}_wf"], OnnxGraphBuilder.Int("axis", 0))
             .Node("DequantizeLinear", [$"{p}_b", $"{p}_bs"], [$"{p}_bf"], OnnxGraphBuilder.Int("axis", 0))
             .Node("Conv", [$"{p}_xf", $"{p}_wf", $"{p}_bf"], [$"{p}_cf"],
                 OnnxGraphBuilder.Ints("kernel_shape", l.K, l.K), OnnxGraphBuilder.Ints("pads", l.Pad, l.Pad, l.Pad, l.Pad));
            string f = $"{p}_cf";
            if (l.Relu)
            {
                b.Node("Relu", [f], [$"{p}_rf"]);
                f = $"{p}_rf";
            }
            b.Node("QuantizeLinear", [f, $"{p}_ys", $"{p}_yz"], [$"{p}_y"]);
            net.Layers.Add((l, cin, w, ws, bias, xs, xz, ys, $"{p}_y"));
            current = $"{p}_y";
            xs = ys;
            xz = l.OutZero;
            xType = l.OutType;
            cin = l.Cout;
        }
        b.Output(current, xType, 1, cin, H, W);
        net.Onnx = b.ToBytes(opset, opset >= 25 ? 11 : 10);
        return net;
    }

    /// <summary>ONNX semantics of one layer on NHWC integer input; returns (integer output, v / y_scale) NHWC.</summary>
    private static (int[] Y, double[] Scaled) Reference(Layer l, int cin, int[] w, float[] ws, int[] bias, float xs, int xz, float ys, int[] x)
    {
        var (ylo, yhi) = Range(l.OutType);
        var y = new int[H * W * l.Cout];
        var scaled = new double[y.Length];
        for (int oy = 0; oy < H; oy++)
        {
            for (int ox = 0; ox < W; ox++)
            {
                for (int o = 0; o < l.Cout; o++)
                {
                    double v = bias[o] * (xs * ws[o]);   // float32 bias scale, as DequantizeLinear computes it
                    for (int i = 0; i < cin; i++)
                    {
                        for (int ky = 0; ky < l.K; ky++)
                        {
                            for (int kx = 0; kx < l.K; kx++)
                            {
                                int iy = oy - l.Pad + ky, ix = ox - l.Pad + kx;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                {
                                    continue;
                                }
                                float xr = (x[(iy * W + ix) * cin + i] - xz) * xs;
                                float wr = (w[((o * cin + i) * l.K + ky) * l.K + kx] - l.WeightZeros[o]) * ws[o];
                                v += (double)xr * wr;
                            }
                        }
                    }
                    if (l.Relu)
                    {
                        v = Math.Max(0, v);
                    }
                    int at = (oy * W + ox) * l.Cout + o;
                    scaled[at] = v / ys;
                    y[at] = (int)Math.Clamp(Math.Round(v / ys, MidpointRounding.ToEven) + l.OutZero, ylo, yhi);
                }
            }
        }
        return (y, scaled);
    }

    private void Check(string name, long opset, params Layer[] layers)
    {
        var net = Build(layers.Length * 7 + (int)opset, opset, layers);
        var packed = QuantizedOnnxPacker.Pack(net.Onnx, new PackOptions { SourceFileName = name + ".onnx" });
        foreach (var note in packed.Notes) { output.WriteLine($"note: {note}"); }
        var reader = BlobReader.Open(packed.Blob, name);
        var graph = GraphReader.Read(reader);
        using var engine = InferenceEngine.Load(reader);
        var rng = new Random(99);
        var input = new byte[H * W * C];
        rng.NextBytes(input);
        // every layer's output, read right after the step that writes it (later steps reuse arena bytes)
        input.CopyTo(engine.Input(0));
        var written = new Dictionary<int, long[]>();
        for (int step = 0; step < engine.StepCount; step++)
        {
            engine.RunStep(step);
            var op = graph.Ops[graph.ExecutionOrder[step]];
            var y = graph.Tensors[op.Outputs[0]];
            written[y.Id] = OnnxNodeTests.Decode(engine.Tensor(y.Id), y.Format.Storage);
        }
        int[] x = [.. input.Select(v => (int)v)];
        for (int li = 0; li < net.Layers.Count; li++)
        {
            var (l, cin, w, ws, bias, xs, xz, ys, outName) = net.Layers[li];
            var tensor = graph.Tensors.Single(t => t.Name == outName);
            var conv = graph.Ops.Single(o => o.Outputs[0] == tensor.Id);
            var (want, scaled) = Reference(l, cin, w, ws, bias, xs, xz, ys, x);
            int[] got = [.. written[tensor.Id].Select(v => (int)v)];
            int offByOne = 0, ties = 0;
            for (int i = 0; i < want.Length; i++)
            {
                int d = Math.Abs(got[i] - want[i]);
                bool nearTie = Math.Abs(scaled[i] - Math.Floor(scaled[i]) - 0.5) < 1e-3;
                Assert.True(d == 0 || (d == 1 && nearTie),
                    $"{name} layer {li}: element {i} is {got[i]}, ONNX semantics give {want[i]} (v / y_scale = {scaled[i]:G9}, not a tie)");
                offByOne += d;
                ties += nearTie ? 1 : 0;
            }
            output.WriteLine($"{name} layer {li}: weights {l.WeightType} stored {conv.Record.Weights!.Value.Format}, output {l.OutType} as {tensor.Format}: " +
                $"{want.Length} elements, {offByOne} off by one, {ties} near-ties (|v/s - (k + 1/2)| < 1e-3)");
            Assert.True(want.Distinct().Count() > 2, $"{name} layer {li}: degenerate reference output ({want.Distinct().Count()} distinct values; input had {x.Distinct().Count()})");
            x = got;
        }
    }

    [Fact]
    public void Int4WeightsPerAxisWithZeroPoints_Opset21()
        => Check("int4-weights", 21, new Layer(8, 3, 1, DT.Int4, [0, 1, -1, 2, -2, 0, 3, -3], DT.Uint8, 128, false));

    [Fact]
    public void Uint4WeightsPerAxis_StoredWiderWhenWMinusZpLeavesInt4_Opset21()
        => Check("uint4-weights", 21,
            new Layer(6, 3, 1, DT.Uint4, [8, 8, 8, 8, 8, 8], DT.Uint8, 100, true),     // w - zp in [-8, 7]: int4
            new Layer(5, 1, 0, DT.Uint4, [7, 8, 9, 0, 15], DT.Uint8, 128, false));     // [-15, 15]: stored int8, exact

    [Fact]
    public void Int2AndUint2WeightsPerAxis_Opset25()
        => Check("int2-weights", 25,
            new Layer(8, 3, 1, DT.Int2, [0, 0, -1, 1, 0, 0, 1, -1], DT.Uint8, 120, true),
            new Layer(4, 3, 1, DT.Uint2, [1, 2, 0, 3], DT.Uint8, 128, false));

    [Fact]
    public void Uint4AndUint2Activations_Opset25()
        => Check("lowbit-activations", 25,
            new Layer(8, 3, 1, DT.Int4, [0, 0, 0, 0, 0, 0, 0, 0], DT.Uint4, 3, false),   // uint4 activation, zero point 3
            new Layer(8, 3, 1, DT.Int2, [0, 0, 0, 0, 0, 0, 0, 0], DT.Uint2, 0, true),    // uint2 activation after a Relu
            new Layer(4, 1, 0, DT.Int4, [0, 0, 0, 0], DT.Uint8, 128, false));

    [Fact]
    public void SignedSubByteActivationsAreRefusedNamingTheType()
    {
        var net = Build(1, 21, new Layer(4, 3, 1, DT.Int4, [0, 0, 0, 0], DT.Int4, 0, false));
        var e = Assert.Throws<OnnxImportException>(() => QuantizedOnnxPacker.Pack(net.Onnx, new PackOptions()));
        Assert.Contains("Int4 are not supported", e.Message);
    }
}
