using System.Text.RegularExpressions;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Onnx.Import;

/// <summary>Options of <see cref="FloatOnnxPacker.Pack"/>.</summary>
public sealed record FloatPackOptions
{
    public PackOptions Pack { get; init; } = new();

    /// <summary>Calibration photos (decoded with ImageSharp, stretched to the model input).</summary>
    public required IReadOnlyList<string> Images { get; init; }

    /// <summary>Pixel normalization (default: mean 0, std 1 per channel: the network sees 0..255).</summary>
    public InputNormalization? Normalization { get; init; }

    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Percentile of |x| for <see cref="CalibrationMethod.Percentile"/>.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Bit policy: AQD shorthand M{b}F{b}L{b} or a single width; only 8 for now.</summary>
    public string Bits { get; init; } = "M8F8L8";

    /// <summary>
    /// Output of a Sigmoid's lookup table: 16 = int16 at scale 1/32768 (default: NanoDet's class scores keep
    /// cosine &gt;= 0.99 against the float model; most scores are far below one uint8 step), 8 = uint8 at 1/256.
    /// </summary>
    public int SigmoidBits { get; init; } = 16;

    /// <summary>Called before each calibration image: (index from 1, count, file name).</summary>
    public Action<int, int, string>? Progress { get; init; }
}

/// <summary>The blob plus what calibration decided; <c>Input</c> is the blob's normalization (including an in-graph one).</summary>
public sealed record FloatPackResult(PackResult Packed, InputNormalization Input, IReadOnlyDictionary<string, TensorRange> Ranges,
    IReadOnlyList<QTensor> Outputs);

/// <summary>
/// pack-model for FLOAT ONNX models: <see cref="FloatOnnxGraph"/> (BN folding, Relu/Clip fusion),
/// <see cref="Calibrator"/> (ONNX Runtime on photos), then post-training quantization: activations
/// uint8 asymmetric over the calibrated range widened to include 0 (a ReLU output gets zero point 0);
/// MaxPool, Resize and Concat share one quantization between their inputs and output (the union of
/// the ranges); weights int8 symmetric per output channel in [-127, 127] (scale max|w| / 127); bias
/// int32 at s_in * s_w[c]; emission (multipliers, clamps) through <see cref="QuantizedGraphEmitter"/>.
/// </summary>
public static class FloatOnnxPacker
{
    /// <exception cref="OnnxImportException">Unsupported nodes (all listed), unsupported bit policy, bad shapes.</exception>
    public static FloatPackResult Pack(byte[] onnx, FloatPackOptions options)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(options);
        CheckBits(options.Bits);
        var graph = FloatOnnxGraph.Parse(onnx, options.Pack.SourceFileName);
        var (c, _, _) = Calibrator.InputShape(graph);
        var norm = options.Normalization ?? InputNormalization.Identity(c);
        var ranges = Calibrator.Run(graph, options.Images, norm, options.Method, options.Percentile, options.Progress);
        if (graph.InputAffine is { } affine)
        {
            try
            {
                norm = norm.Then(affine.Scale, affine.Offset);   // the blob input is the in-graph normalization's output
            }
            catch (ArgumentException e)
            {
                throw new OnnxImportException($"in-graph input normalization ({string.Join(", ", affine.Nodes.Select(n => $"'{n.Name}' ({n.OpType})"))}): {e.Message}");
            }
        }
        var quant = ChooseQuantization(graph, ranges, norm, QuantizedGraphEmitter.SigmoidOutput(options.SigmoidBits));

        var writer = new BlobWriter();
        var builder = new GraphBuilder(writer);
        var emit = new QuantizedGraphEmitter(builder);
        foreach (var (tensor, name) in OutputNames(graph))
        {
            emit.BlobNames[tensor] = name;
        }
        var t = emit.Tensors;
        var input = emit.AddInput(graph.Input, norm.Scale, ActivationFormat.UInt8(norm.ZeroPoint), graph.Input.Name);
        foreach (var l in graph.Layers)
        {
            var (ys, yf) = quant[l.Output];
            try
            {
                switch (l.Kind)
                {
                    case FloatLayerKind.Conv:
                        EmitConv(emit, l, t[l.Inputs[0]], ys, yf);
                        break;
                    case FloatLayerKind.Add:
                        emit.Add(l.Node, t[l.Inputs[0]], t[l.Inputs[1]], l.Relu, l.Output, ys, yf);
                        break;
                    case FloatLayerKind.MaxPool:
                        emit.MaxPool(l.Node, t[l.Inputs[0]], l.Output);
                        break;
                    case FloatLayerKind.GlobalAveragePool:
                        emit.GlobalAveragePool(l.Node, t[l.Inputs[0]], l.Output, ys, yf);
                        break;
                    case FloatLayerKind.Concat:
                        emit.Concat(l.Node, [.. l.Inputs.Select(i => t[i])], l.Output);
                        break;
                    case FloatLayerKind.ResizeNearest2x:
                        emit.ResizeNearest2x(l.Node, t[l.Inputs[0]], l.Output);
                        break;
                    case FloatLayerKind.FlattenView:
                        emit.FlattenView(l.Node, t[l.Inputs[0]], l.ViewShape, l.Output);
                        break;
                    case FloatLayerKind.RowsView:
                        emit.RowsView(l.Node, t[l.Inputs[0]], l.ViewShape!, l.Output);
                        break;
                    case FloatLayerKind.Sigmoid:
                        emit.Sigmoid(l.Node, t[l.Inputs[0]], l.Output, yf, ys);
                        break;
                    case FloatLayerKind.ChannelSlice:
                        emit.ChannelSlice(l.Node, t[l.Inputs[0]], l.Slice!.Value.First, l.Slice.Value.Width, l.Output);
                        break;
                    case FloatLayerKind.ResizeBilinear:
                    {
                        var x = t[l.Inputs[0]];
                        var (h, w, mode) = l.ResizeTo!.Value;
                        if (l.ResizeScales is { } sc)
                        {
                            (h, w) = ((int)Math.Floor(x.Height * (double)sc[2]), (int)Math.Floor(x.Width * (double)sc[3]));
                        }
                        else if (l.ViewShape is { } sizes && (sizes[0] != 1 || sizes[1] != x.Channels))
                        {
                            throw new OnnxImportException($"node '{l.Node.Name}' (Resize): sizes [{string.Join(", ", sizes)}] change the batch or the {x.Channels} channels.");
                        }
                        emit.ResizeBilinear(l.Node, x, h, w, mode, l.Output);
                        break;
                    }
                }
            }
            catch (ArgumentException e)
            {
                throw new OnnxImportException($"node '{l.Node.Name}' ({l.Node.OpType}): {e.Message}");
            }
        }
        var outputs = new List<QTensor>();
        foreach (var o in graph.Outputs)
        {
            builder.AddOutput(t[o].Id);
            outputs.Add(t[o]);
        }
        if (input.Channels is not (1 or 3))
        {
            throw new OnnxImportException($"graph input has {input.Channels} channels; the model metadata describes an image input (1 or 3 channels).");
        }
        var notes = new List<string>
        {
            $"calibrated on {options.Images.Count} image(s), {options.Method}{(options.Method == CalibrationMethod.Percentile ? $" {options.Percentile}" : "")}; " +
            $"input '{graph.Input.Name}' quantized with scale {norm.Scale}, zero point {norm.ZeroPoint}.",
        };
        var packed = QuantizedOnnxPacker.Finish(writer, builder, input, options.Pack, onnx,
            [.. norm.Mean.Select(m => (int)Math.Round(m * 1000))], [.. norm.Std.Select(s => (int)Math.Round(s * 1000))], notes, norm.ColorOrder);
        return new FloatPackResult(packed, norm, ranges, outputs);
    }

    /// <summary>Accepts "8" or M{b}F{b}L{b} with every b = 8 (low-bit policies are not implemented yet).</summary>
    public static void CheckBits(string bits)
    {
        var m = Regex.Match(bits, "^(?:M([0-9]+)F([0-9]+)L([0-9]+)|([0-9]+))$");
        if (!m.Success)
        {
            throw new OnnxImportException($"--bits '{bits}': expected an AQD policy M{{b}}F{{b}}L{{b}} (e.g. M8F8L8) or a single width (8).");
        }
        if (m.Groups.Cast<Group>().Skip(1).Where(g => g.Success).Any(g => g.Value != "8"))
        {
            throw new OnnxImportException($"--bits '{bits}': only 8-bit layers are supported for float models so far (M8F8L8); low-bit policies such as M4F8L8 or M2F8L8 are not implemented yet.");
        }
    }

    private static void EmitConv(QuantizedGraphEmitter emit, FloatLayer l, QTensor x, float ys, ActivationFormat yf)
    {
        var cv = l.Conv!;
        int per = cv.Weights.Length / cv.M;
        var q = new long[cv.Weights.Length];
        var scales = new float[cv.M];
        var bias = new int[cv.M];
        for (int o = 0; o < cv.M; o++)
        {
            float maxAbs = 0;
            for (int i = 0; i < per; i++) { maxAbs = Math.Max(maxAbs, Math.Abs(cv.Weights[o * per + i])); }
            float s = maxAbs > 0 ? maxAbs / 127f : 1e-8f;
            scales[o] = s;
            for (int i = 0; i < per; i++)
            {
                q[o * per + i] = (long)Math.Clamp(Math.Round(cv.Weights[o * per + i] / (double)s, MidpointRounding.ToEven), -127, 127);
            }
            double b = Math.Round(cv.Bias[o] / ((double)x.Scale * s), MidpointRounding.ToEven);
            if (!(b >= int.MinValue && b <= int.MaxValue))
            {
                throw new OnnxImportException($"node '{l.Node.Name}': bias of channel {o} is {b} in accumulator units, outside int32.");
            }
            bias[o] = (int)b;
        }
        emit.Conv(l.Node, x, new IntConvWeights(l.Node.Input[1], q, cv.M, cv.Cg, cv.Kh, cv.Kw, LowBitFormat.Int(8)), scales, bias,
            l.Relu, l.ClampMax, l.Output, ys, yf, l.ExtraPads, l.LeakyAlpha);
    }

    /// <summary>
    /// Blob tensor names for the graph outputs: a view layer (Flatten, Reshape, the Reshape + Transpose rows
    /// view) has no tensor of its own, so the tensor it exposes is named after the graph output.
    /// </summary>
    private static Dictionary<string, string> OutputNames(FloatOnnxGraph graph)
    {
        var views = graph.Layers.Where(l => l.Kind is FloatLayerKind.FlattenView or FloatLayerKind.RowsView).ToDictionary(l => l.Output, l => l.Inputs[0]);
        var names = new Dictionary<string, string>();
        foreach (var (resolved, name) in graph.Outputs.Zip(graph.Model.Graph.Output.Select(o => o.Name)))
        {
            string tensor = resolved;
            while (views.TryGetValue(tensor, out var source))
            {
                tensor = source;
            }
            if (tensor != name && tensor != graph.Input.Name)
            {
                names.TryAdd(tensor, name);
            }
        }
        return names;
    }

    /// <summary>uint8 (scale, format) per observed tensor; MaxPool / Resize / Concat / Flatten groups share one.</summary>
    private static Dictionary<string, (float Scale, ActivationFormat Format)> ChooseQuantization(FloatOnnxGraph graph,
        Dictionary<string, TensorRange> ranges, InputNormalization norm, (float Scale, ActivationFormat Format) sigmoid)
    {
        var parent = new Dictionary<string, string>();
        string Find(string a) => parent.TryGetValue(a, out var p) && p != a ? parent[a] = Find(p) : a;
        void Union(string a, string b)
        {
            string ra = Find(a), rb = Find(b);
            if (ra != rb) { parent[ra] = rb; }
        }
        foreach (var l in graph.Layers.Where(l => l.Kind is FloatLayerKind.MaxPool or FloatLayerKind.ResizeNearest2x or FloatLayerKind.Concat or FloatLayerKind.FlattenView
                     or FloatLayerKind.RowsView or FloatLayerKind.ResizeBilinear or FloatLayerKind.ChannelSlice))
        {
            foreach (var i in l.Inputs) { Union(i, l.Output); }
        }
        var all = graph.ObservedTensors.Append(graph.Input.Name).Distinct().ToList();
        var sigmoids = graph.Layers.Where(l => l.Kind == FloatLayerKind.Sigmoid).Select(l => l.Output).ToHashSet();
        var groups = all.GroupBy(Find).ToList();
        var result = new Dictionary<string, (float, ActivationFormat)>();
        foreach (var g in groups)
        {
            (float, ActivationFormat) q;
            if (g.Contains(graph.Input.Name))
            {
                q = (norm.Scale, ActivationFormat.UInt8(norm.ZeroPoint));
            }
            else if (g.Any(sigmoids.Contains))
            {
                q = sigmoid;   // the sigmoid table's fixed output quantization
            }
            else
            {
                double lo = 0, hi = 0;
                foreach (var name in g)
                {
                    lo = Math.Min(lo, ranges[name].Min);
                    hi = Math.Max(hi, ranges[name].Max);
                }
                double scale = Math.Max(hi - lo, 1e-6) / 255;
                int zp = (int)Math.Clamp(Math.Round(-lo / scale), 0, 255);
                q = ((float)scale, ActivationFormat.UInt8(zp));
            }
            foreach (var name in g) { result[name] = q; }
        }
        return result;
    }
}
