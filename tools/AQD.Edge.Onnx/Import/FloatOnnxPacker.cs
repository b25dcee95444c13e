using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;

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

    /// <summary>Bit policy: AQD shorthand M{b}F{b}L{b} or a single width, b in 2, 3, 4, 8 (see <see cref="BitPolicy"/>).</summary>
    public string Bits { get; init; } = "M8F8L8";

    /// <summary>
    /// Statistics from an earlier <see cref="Calibrator.Collect"/> of the same model with the same
    /// normalization (several policies from one calibration); null runs the calibration on <see cref="Images"/>.
    /// </summary>
    public IReadOnlyDictionary<string, TensorStatistics>? Statistics { get; init; }

    /// <summary>
    /// Output of a Sigmoid's lookup table: 16 = int16 at scale 1/32768 (default: NanoDet's class scores then
    /// keep cosine &gt;= 0.99 against the float model; the detection decoder reads them with a linear score
    /// multiplier), 8 = uint8 at scale 1/256 (smaller output; most background scores are far below one step).
    /// </summary>
    public int SigmoidBits { get; init; } = 16;

    /// <summary>Called before each calibration image: (index from 1, count, file name).</summary>
    public Action<int, int, string>? Progress { get; init; }

    /// <summary>
    /// Conv bias setting: <see cref="BiasCorrection.Empirical"/> moves each conv's bias by its output's per-channel mean
    /// error on <see cref="Images"/>, sequentially (<see cref="EmpiricalBiasCorrection"/>; 8-bit policies only).
    /// </summary>
    public BiasCorrection BiasCorrection { get; init; } = BiasCorrection.None;

    /// <summary>Called before each bias-correction wave: (wave from 1, waves).</summary>
    public Action<int, int>? BiasCorrectionProgress { get; init; }
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
/// Low-bit policies (M4F8L8, M2F8L8, ...): <see cref="LowBitPlan"/> and <see cref="LowBitWeightQuantizer"/>.
/// </summary>
public static class FloatOnnxPacker
{
    /// <exception cref="OnnxImportException">Unsupported nodes (all listed), unsupported bit policy, bad shapes.</exception>
    public static FloatPackResult Pack(byte[] onnx, FloatPackOptions options)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(options);
        var policy = BitPolicy.Parse(options.Bits);
        if (options.BiasCorrection == BiasCorrection.Empirical && !policy.IsInt8)
        {
            throw new OnnxImportException($"empirical bias correction is for 8-bit policies; the bit policy is {policy} (low-bit weights get the analytic correction).");
        }
        var graph = FloatOnnxGraph.Parse(onnx, options.Pack.SourceFileName);
        var (c, _, _) = Calibrator.InputShape(graph);
        var norm = options.Normalization ?? InputNormalization.Identity(c);
        var stats = options.Statistics?.ToDictionary() ?? Calibrator.Collect(graph, options.Images, norm, options.Progress);
        if (graph.ObservedTensors.FirstOrDefault(n => !stats.ContainsKey(n)) is { } missing)
        {
            throw new OnnxImportException($"the given calibration statistics lack tensor '{missing}' (collected from another model?).");
        }
        var ranges = stats.ToDictionary(kv => kv.Key, kv => kv.Value.Range(options.Method, options.Percentile));
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
        if (options.BiasCorrection == BiasCorrection.None)
        {
            return Emit(onnx, options, policy, graph, norm, stats, ranges, quant, null);
        }
        var offsets = EmpiricalBiasCorrection.Compute(graph, options.Images, options.Normalization ?? InputNormalization.Identity(c), norm, quant,
            OutputNames(graph), o => Emit(onnx, options, policy, graph, norm, stats, ranges, quant, o).Packed.Blob, options.BiasCorrectionProgress);
        return Emit(onnx, options, policy, graph, norm, stats, ranges, quant, offsets);
    }

    /// <summary>Emits the blob from the calibrated quantization; <paramref name="biasOffsets"/>: float offsets added to conv biases (per conv output).</summary>
    private static FloatPackResult Emit(byte[] onnx, FloatPackOptions options, BitPolicy policy, FloatOnnxGraph graph, InputNormalization norm,
        Dictionary<string, TensorStatistics> stats, Dictionary<string, TensorRange> ranges, Dictionary<string, (float Scale, ActivationFormat Format)> quant,
        IReadOnlyDictionary<string, double[]>? biasOffsets)
    {
        var plan = new LowBitPlan(graph, policy, stats, ranges);
        var lowInputs = new Dictionary<(string, int), QTensor>();
        var weightFormats = new List<string>();

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
            var (ys, yf) = plan.PackedOutput(l.Output) ?? quant[l.Output];
            try
            {
                switch (l.Kind)
                {
                    case FloatLayerKind.Conv:
                    {
                        var x = t[l.Inputs[0]];
                        int inBits = plan.InputBits(l);
                        if (inBits < 8 && x.Format.Storage != ActivationStorage.PackedUnsigned)
                        {
                            var key = (l.Inputs[0], inBits);
                            if (!lowInputs.TryGetValue(key, out var low))
                            {
                                low = emit.Requantize($"{l.Inputs[0]}.to-u{inBits}", x, $"{l.Inputs[0]}.u{inBits}",
                                    plan.LowScale(l.Inputs[0], inBits), ActivationFormat.Packed(inBits));
                                lowInputs[key] = low;
                            }
                            x = low;
                        }
                        weightFormats.Add(EmitConv(emit, l, x, plan.WeightBits(l), ys, yf, stats.GetValueOrDefault(l.Inputs[0]), biasOffsets?.GetValueOrDefault(l.Output)));
                        break;
                    }
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
        if (biasOffsets is not null)
        {
            notes.Add($"empirical bias correction (sequential, {EmpiricalBiasCorrection.Waves(graph).Count} waves) of {biasOffsets.Count} conv(s) on the calibration images.");
        }
        if (!policy.IsInt8)
        {
            notes.Add($"bit policy {policy}: conv weights {string.Join(", ", weightFormats.GroupBy(f => f).Select(g => $"{g.Count()} x {g.Key}"))}; " +
                $"{plan.PackedOutputCount} conv output(s) written packed, {lowInputs.Count} Requantize op(s) to packed inputs; b-bit clips MSE-optimal.");
        }
        var bitPolicy = new BitPolicySpec
        {
            Shorthand = $"M{policy.Middle}F{policy.First}L{policy.Last}",
            WeightBits = policy.Middle,
            ActivationBits = policy.Middle,
            Layers = policy.IsInt8 ? null : [.. plan.Roles.Where(r => r.Value != ConvRole.Middle || policy.Override(r.Key) is not null).Select(r => new LayerBits
            {
                Name = r.Key.Node.Name,
                WeightBits = plan.WeightBits(r.Key),
                ActivationBits = plan.InputBits(r.Key),
            })],
        };
        var packed = QuantizedOnnxPacker.Finish(writer, builder, input, options.Pack, onnx,
            [.. norm.Mean.Select(m => (int)Math.Round(m * 1000))], [.. norm.Std.Select(s => (int)Math.Round(s * 1000))], notes, norm.ColorOrder, bitPolicy);
        return new FloatPackResult(packed, norm, ranges, outputs);
    }

    /// <summary>
    /// Emits a conv with weights at <paramref name="bits"/> (<see cref="LowBitWeightQuantizer"/>); returns the weight format.
    /// Low-bit weights get bias correction when the input's calibrated channel means are known:
    /// b'[o] = b[o] - sum over (i, ky, kx) of (s[o] q - w)[o, i, ky, kx] * mean[g * Cg + i] (the expected
    /// output shift the weight rounding causes; padding ignored).
    /// </summary>
    private static string EmitConv(QuantizedGraphEmitter emit, FloatLayer l, QTensor x, int bits, float ys, ActivationFormat yf, TensorStatistics? input,
        double[]? biasOffset)
    {
        var cv = l.Conv!;
        int per = cv.Cg * cv.Kh * cv.Kw, groups = x.Channels / cv.Cg, mPerGroup = cv.M / Math.Max(1, groups);
        var inputMeans = input?.ChannelMeans;
        var meanSquares = input?.ChannelMeanSquares;
        Func<int, int, double>? importance = bits < 8 && meanSquares is not null && meanSquares.Length == x.Channels
            ? (o, j) => meanSquares[o / mPerGroup * cv.Cg + j / (cv.Kh * cv.Kw)] + 1e-12
            : null;
        var qw = LowBitWeightQuantizer.Quantize(cv.Weights, cv.M, bits, importance);
        var bias = new int[cv.M];
        bool correct = bits < 8 && inputMeans is not null && inputMeans.Length == x.Channels;
        for (int o = 0; o < cv.M; o++)
        {
            double fb = cv.Bias[o] + (biasOffset?[o] ?? 0);
            if (correct)
            {
                int c0 = o / mPerGroup * cv.Cg;
                for (int j = 0; j < per; j++)
                {
                    double err = qw.Scales[o] * (double)qw.Values[o * per + j] - cv.Weights[o * per + j];
                    fb -= err * inputMeans![c0 + j / (cv.Kh * cv.Kw)];
                }
            }
            double b = Math.Round(fb / ((double)x.Scale * qw.Scales[o]), MidpointRounding.ToEven);
            if (!(b >= int.MinValue && b <= int.MaxValue))
            {
                throw new OnnxImportException($"node '{l.Node.Name}': bias of channel {o} is {b} in accumulator units, outside int32.");
            }
            bias[o] = (int)b;
        }
        emit.Conv(l.Node, x, new IntConvWeights(l.Node.Input[1], qw.Values, cv.M, cv.Cg, cv.Kh, cv.Kw, qw.Format), qw.Scales, bias,
            l.Relu, l.ClampMax, l.Output, ys, yf, l.ExtraPads, l.LeakyAlpha);
        return qw.Format.ToString();
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

    /// <summary>
    /// The calibrated range of a Sigmoid's input is raised to at least this logit (sigmoid 0.99): a detector's
    /// class logits calibrated on photos without confident objects would otherwise cap every score at the
    /// largest calibrated logit (NanoDet on the three darknet photos: stride 8 capped at logit 0, score 0.5).
    /// </summary>
    public const double SigmoidInputCeiling = 4.6;

    /// <summary>
    /// The calibrated range of a Sigmoid's input is cut below at this logit (sigmoid 0.00034, about 11 int16
    /// score steps): lower logits all mean "background", and the 8-bit logit step shrinks with the range
    /// (NanoDet's stride-8 class logits calibrate down to about -11.3 on the seven repository photos: a step of
    /// 0.062 logit; cut at -8 it is 0.049, which lifts dog.jpg's truck from just below the 0.35 threshold to
    /// 0.356 (float 0.371) and leaves the outputs' cosine unchanged).
    /// </summary>
    public const double SigmoidInputFloor = -8;

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
        var sigmoidInputs = graph.Layers.Where(l => l.Kind == FloatLayerKind.Sigmoid).Select(l => l.Inputs[0]).ToHashSet();
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
                if (g.Any(sigmoidInputs.Contains))
                {
                    hi = Math.Max(hi, SigmoidInputCeiling);   // confident scores are not clipped by a calibration set without confident objects
                    lo = Math.Max(lo, SigmoidInputFloor);     // below it every score is background: spend the codes on the rest
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
