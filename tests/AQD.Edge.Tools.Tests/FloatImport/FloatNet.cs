using AQD.Edge.Onnx;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// Test builder of small FLOAT ONNX networks (NCHW, batch 1): He-initialized convs with bias, a
/// BatchNormalization with random but sane statistics after each, Relu / Clip(0, 6), residual Add,
/// MaxPool, Resize nearest 2x, Concat and GlobalAveragePool. Deterministic for a seed.
/// </summary>
internal sealed class FloatNet
{
    private readonly OnnxGraphBuilder b = new("floatnet");
    private readonly Random rng;
    private readonly List<(string Name, long[] Shape)> outputs = [];
    private int layer;

    public FloatNet(int h, int w, int c, int seed)
    {
        rng = new Random(seed);
        Current = new T("x", c, h, w);
        b.Input("x", DT.Float, 1, c, h, w);
    }

    /// <summary>A tensor of the network being built.</summary>
    public sealed record T(string Name, int C, int H, int W);

    public T Current { get; set; }

    public FloatNet Conv(int cout, int k, int stride = 1, int pad = 0, int groups = 1, bool bn = true, string act = "relu")
    {
        Current = ConvOf(Current, cout, k, stride, pad, groups, bn, act);
        return this;
    }

    public T ConvOf(T x, int cout, int k, int stride = 1, int pad = 0, int groups = 1, bool bn = true, string act = "relu")
    {
        string p = $"c{layer++}";
        int cg = x.C / groups, fanIn = cg * k * k;
        float std = MathF.Sqrt(2f / fanIn);
        b.Initializer(OnnxTensors.Float($"{p}_w", Gauss(cout * cg * k * k, std), cout, cg, k, k))
         .Initializer(OnnxTensors.Float($"{p}_b", Uniform(cout, -0.1f, 0.1f), cout))
         .Node("Conv", [x.Name, $"{p}_w", $"{p}_b"], [$"{p}_y"],
             OnnxGraphBuilder.Ints("kernel_shape", k, k), OnnxGraphBuilder.Ints("strides", stride, stride),
             OnnxGraphBuilder.Ints("pads", pad, pad, pad, pad), OnnxGraphBuilder.Int("group", groups));
        string y = $"{p}_y";
        if (bn)
        {
            b.Initializer(OnnxTensors.Float($"{p}_g", Uniform(cout, 0.5f, 1.5f), cout))
             .Initializer(OnnxTensors.Float($"{p}_beta", Uniform(cout, -0.3f, 0.3f), cout))
             .Initializer(OnnxTensors.Float($"{p}_mean", Uniform(cout, -0.5f, 0.5f), cout))
             .Initializer(OnnxTensors.Float($"{p}_var", Uniform(cout, 0.5f, 2f), cout))
             .Node("BatchNormalization", [y, $"{p}_g", $"{p}_beta", $"{p}_mean", $"{p}_var"], [$"{p}_bn"]);
            y = $"{p}_bn";
        }
        y = Activation(y, act, p);
        return new T(y, cout, (x.H + 2 * pad - k) / stride + 1, (x.W + 2 * pad - k) / stride + 1);
    }

    public FloatNet MaxPool(int k, int stride)
    {
        string y = $"mp{layer++}";
        b.Node("MaxPool", [Current.Name], [y], OnnxGraphBuilder.Ints("kernel_shape", k, k), OnnxGraphBuilder.Ints("strides", stride, stride));
        Current = new T(y, Current.C, (Current.H - k) / stride + 1, (Current.W - k) / stride + 1);
        return this;
    }

    /// <summary>Residual block: conv3x3+BN+ReLU, conv3x3+BN, Add with the input, ReLU.</summary>
    public FloatNet Residual()
    {
        var skip = Current;
        var a = ConvOf(skip, skip.C, 3, pad: 1);
        var c = ConvOf(a, skip.C, 3, pad: 1, act: "none");
        string p = $"add{layer++}";
        b.Node("Add", [c.Name, skip.Name], [$"{p}_sum"]);
        Current = skip with { Name = Activation($"{p}_sum", "relu", p) };
        return this;
    }

    public T Resize2x(T x)
    {
        string p = $"rs{layer++}";
        b.Initializer(OnnxTensors.Float($"{p}_scales", [1f, 1f, 2f, 2f], 4))
         .Node("Resize", [x.Name, "", $"{p}_scales"], [$"{p}_y"],
             new AQD.Edge.Onnx.Protobuf.AttributeProto { Name = "mode", Type = AQD.Edge.Onnx.Protobuf.AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("nearest") });
        return new T($"{p}_y", x.C, 2 * x.H, 2 * x.W);
    }

    public T Concat(params T[] xs)
    {
        string y = $"cat{layer++}";
        b.Node("Concat", [.. xs.Select(t => t.Name)], [y], OnnxGraphBuilder.Int("axis", 1));
        return new T(y, xs.Sum(t => t.C), xs[0].H, xs[0].W);
    }

    public FloatNet GlobalAveragePool()
    {
        string y = $"gap{layer++}";
        b.Node("GlobalAveragePool", [Current.Name], [y]);
        Current = new T(y, Current.C, 1, 1);
        return this;
    }

    /// <summary>Adds a node as is (for unsupported-op tests) reading the current tensor.</summary>
    public FloatNet Raw(string opType)
    {
        string y = $"raw{layer++}";
        b.Node(opType, [Current.Name], [y]);
        Current = Current with { Name = y };
        return this;
    }

    /// <summary>Marks <paramref name="t"/> (default: the current tensor) as a graph output.</summary>
    public FloatNet Output(T? t = null)
    {
        t ??= Current;
        outputs.Add((t.Name, [1, t.C, t.H, t.W]));
        return this;
    }

    public byte[] Finish()
    {
        if (outputs.Count == 0)
        {
            Output();
        }
        foreach (var (name, shape) in outputs)
        {
            b.Output(name, DT.Float, shape);
        }
        return b.ToBytes();
    }

    private string Activation(string y, string act, string p)
    {
        switch (act)
        {
            case "relu":
                b.Node("Relu", [y], [$"{p}_relu"]);
                return $"{p}_relu";
            case "relu6":
                b.Initializer(OnnxTensors.Float($"{p}_min", 0f)).Initializer(OnnxTensors.Float($"{p}_max", 6f))
                 .Node("Clip", [y, $"{p}_min", $"{p}_max"], [$"{p}_clip"]);
                return $"{p}_clip";
            default:
                return y;
        }
    }

    private float[] Uniform(int n, float lo, float hi) => [.. Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * (float)rng.NextDouble())];

    private float[] Gauss(int n, float std)
        => [.. Enumerable.Range(0, n).Select(_ => std * MathF.Sqrt(-2f * MathF.Log(1f - (float)rng.NextDouble())) * MathF.Cos(2f * MathF.PI * (float)rng.NextDouble()))];
}
