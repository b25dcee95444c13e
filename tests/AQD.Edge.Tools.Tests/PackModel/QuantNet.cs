using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Protobuf;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Tools.Tests.PackModel;

/// <summary>
/// Test builder of small quantized ONNX networks (uint8 activations, int8 per-channel weights,
/// int32 bias), either as QLinearConv nodes or in the QDQ form (DequantizeLinear -> op -> [Relu] ->
/// QuantizeLinear). Scales are chosen so that outputs use a good part of the uint8 range.
/// </summary>
internal sealed class QuantNet
{
    private readonly OnnxGraphBuilder b = new("net");
    private readonly bool qdq;
    private readonly bool signed;
    private readonly Random rng;
    private string current = "x";
    private float scale;
    private byte zeroPoint;
    private int layer;

    /// <param name="signed">int8 activations (zero points are given as uint8 and stored minus 128).</param>
    public QuantNet(bool qdq, int h, int w, int c, int seed, float inputScale = 0.02f, byte inputZeroPoint = 120, bool signed = false)
    {
        this.qdq = qdq;
        this.signed = signed;
        rng = new Random(seed);
        H = h; W = w; C = c;
        InputShape = [1, c, h, w];
        scale = inputScale;
        zeroPoint = inputZeroPoint;
        b.Input("x", ElementType, InputShape);
    }

    public int H { get; private set; }
    public int W { get; private set; }
    public int C { get; private set; }
    public long[] InputShape { get; }
    public long[] OutputShape => [1, C, H, W];
    public DT ElementType => signed ? DT.Int8 : DT.Uint8;

    public QuantNet Conv(int cout, int k, int stride = 1, int pad = 0, int groups = 1, bool relu = false)
    {
        Assert.True(qdq || !relu, "QLinearConv has no fused Relu");
        string p = $"l{layer++}";
        int cg = C / groups, kk = k * k * cg;
        var w = new sbyte[cout * kk];
        for (int i = 0; i < w.Length; i++) { w[i] = (sbyte)rng.Next(-127, 128); }
        var ws = Enumerable.Range(0, cout).Select(_ => 0.002f + 0.01f * (float)rng.NextDouble()).ToArray();
        var bias = Enumerable.Range(0, cout).Select(_ => rng.Next(-3000, 3000)).ToArray();
        float ys = scale * ws.Average() * MathF.Sqrt(kk) * 100f;
        byte yzp = (byte)(relu ? 100 : 128);
        b.Initializer(OnnxTensors.Int8($"{p}_w", w, cout, cg, k, k))
         .Initializer(OnnxTensors.Float($"{p}_ws", ws, cout))
         .Initializer(OnnxTensors.Int8($"{p}_wz", new sbyte[cout], cout))
         .Initializer(OnnxTensors.Int32($"{p}_b", bias, cout))
         .Initializer(OnnxTensors.Float($"{p}_ys", ys))
         .Initializer(Zp($"{p}_yz", yzp));
        AddActivationParams(p);
        var attrs = new[]
        {
            OnnxGraphBuilder.Ints("kernel_shape", k, k), OnnxGraphBuilder.Ints("strides", stride, stride),
            OnnxGraphBuilder.Ints("pads", pad, pad, pad, pad), OnnxGraphBuilder.Int("group", groups),
        };
        string y = $"{p}_y";
        if (qdq)
        {
            b.Initializer(OnnxTensors.Float($"{p}_bs", ws.Select(s => scale * s).ToArray(), cout))
             .Initializer(OnnxTensors.Int32($"{p}_bz", new int[cout], cout))
             .Node("DequantizeLinear", [current, $"{p}_xs", $"{p}_xz"], [$"{p}_xf"])
             .Node("DequantizeLinear", [$"{p}_w", $"{p}_ws", $"{p}_wz"], [$"{p}_wf"], OnnxGraphBuilder.Int("axis", 0))
             .Node("DequantizeLinear", [$"{p}_b", $"{p}_bs", $"{p}_bz"], [$"{p}_bf"], OnnxGraphBuilder.Int("axis", 0))
             .Node("Conv", [$"{p}_xf", $"{p}_wf", $"{p}_bf"], [$"{p}_cf"], attrs);
            string f = $"{p}_cf";
            if (relu)
            {
                b.Node("Relu", [f], [$"{p}_rf"]);
                f = $"{p}_rf";
            }
            b.Node("QuantizeLinear", [f, $"{p}_ys", $"{p}_yz"], [y]);
        }
        else
        {
            b.Node("QLinearConv", [current, $"{p}_xs", $"{p}_xz", $"{p}_w", $"{p}_ws", $"{p}_wz", $"{p}_ys", $"{p}_yz", $"{p}_b"], [y], attrs);
        }
        H = (H + 2 * pad - k) / stride + 1;
        W = (W + 2 * pad - k) / stride + 1;
        C = cout;
        current = y;
        scale = ys;
        zeroPoint = yzp;
        return this;
    }

    /// <summary>QDQ MaxPool (same quantization in and out).</summary>
    public QuantNet MaxPool(int k, int stride, int pad = 0)
    {
        string p = $"l{layer++}";
        AddActivationParams(p);
        b.Node("DequantizeLinear", [current, $"{p}_xs", $"{p}_xz"], [$"{p}_xf"])
         .Node("MaxPool", [$"{p}_xf"], [$"{p}_mf"], OnnxGraphBuilder.Ints("kernel_shape", k, k), OnnxGraphBuilder.Ints("strides", stride, stride),
             OnnxGraphBuilder.Ints("pads", pad, pad, pad, pad))
         .Node("QuantizeLinear", [$"{p}_mf", $"{p}_xs", $"{p}_xz"], [$"{p}_y"]);
        H = (H + 2 * pad - k) / stride + 1;
        W = (W + 2 * pad - k) / stride + 1;
        current = $"{p}_y";
        return this;
    }

    /// <summary>QDQ GlobalAveragePool to a new scale.</summary>
    public QuantNet GlobalAveragePool()
    {
        string p = $"l{layer++}";
        AddActivationParams(p);
        float ys = scale * 0.8f;
        b.Initializer(OnnxTensors.Float($"{p}_ys", ys))
         .Initializer(Zp($"{p}_yz", 128))
         .Node("DequantizeLinear", [current, $"{p}_xs", $"{p}_xz"], [$"{p}_xf"])
         .Node("GlobalAveragePool", [$"{p}_xf"], [$"{p}_gf"])
         .Node("QuantizeLinear", [$"{p}_gf", $"{p}_ys", $"{p}_yz"], [$"{p}_y"]);
        H = W = 1;
        current = $"{p}_y";
        scale = ys;
        zeroPoint = 128;
        return this;
    }

    /// <summary>Adds a node as is (for unsupported-op tests); it reads the current tensor.</summary>
    public QuantNet Raw(string opType)
    {
        string y = $"raw{layer++}";
        b.Node(opType, [current], [y]);
        current = y;
        return this;
    }

    /// <summary>The serialized model whose single output is the current tensor.</summary>
    public byte[] Finish()
    {
        b.Output(current, ElementType, OutputShape);
        return b.ToBytes();
    }

    /// <summary>Residual block: <paramref name="branch"/> (shape-preserving) on the current tensor, then a QDQ Add of the two, optionally Relu.</summary>
    public QuantNet Residual(Func<QuantNet, QuantNet> branch, bool relu = false)
    {
        string skip = current;
        float skipScale = scale;
        byte skipZp = zeroPoint;
        branch(this);
        string p = $"l{layer++}";
        AddActivationParams(p);
        float ys = Math.Max(scale, skipScale) * 1.3f;
        byte yzp = (byte)(relu ? 60 : 128);
        b.Initializer(OnnxTensors.Float($"{p}_ss", skipScale)).Initializer(Zp($"{p}_sz", skipZp))
         .Initializer(OnnxTensors.Float($"{p}_ys", ys)).Initializer(Zp($"{p}_yz", yzp))
         .Node("DequantizeLinear", [current, $"{p}_xs", $"{p}_xz"], [$"{p}_af"])
         .Node("DequantizeLinear", [skip, $"{p}_ss", $"{p}_sz"], [$"{p}_bf"])
         .Node("Add", [$"{p}_af", $"{p}_bf"], [$"{p}_sum"]);
        string f = $"{p}_sum";
        if (relu)
        {
            b.Node("Relu", [f], [$"{p}_rf"]);
            f = $"{p}_rf";
        }
        b.Node("QuantizeLinear", [f, $"{p}_ys", $"{p}_yz"], [$"{p}_y"]);
        current = $"{p}_y";
        scale = ys;
        zeroPoint = yzp;
        return this;
    }

    private void AddActivationParams(string p)
        => b.Initializer(OnnxTensors.Float($"{p}_xs", scale)).Initializer(Zp($"{p}_xz", zeroPoint));

    private TensorProto Zp(string name, byte unsignedZeroPoint)
        => signed ? OnnxTensors.Int8(name, [(sbyte)(unsignedZeroPoint - 128)]) : OnnxTensors.UInt8(name, unsignedZeroPoint);
}
