using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Aqd;

/// <summary>
/// Builds an AQD detector (ResNet-18/34/50 + FPN P3-P7 with BN + FCOS or RetinaNet head with
/// multi-level BN) with random weights (deterministic seed), calibrating every BN and clip value on
/// one photo: layers are added in order, each run in double on the calibration image through the
/// fake-quant network built so far; BN statistics come from that layer's accumulators (then a random
/// gamma in [0.5, 1] and beta in [-0.2, 0.5]), each clip is the 99.9th percentile of the positive
/// values it quantizes. Then the int16 scales are assigned and the network lowered to integers
/// (<see cref="AqdLowering"/>). Structure and choices: docs/aqd-models.md.
/// </summary>
public sealed class AqdNetworkBuilder
{
    private const double ClipPercentile = 0.999;
    private const double Int16Headroom = 16000;

    private readonly AqdNetwork net;
    private readonly AqdModelOptions o;
    private readonly Random rng;
    private readonly Dictionary<AqdTensor, double[]> values = [];
    private readonly Dictionary<string, AqdTensor?> groupBase = [];
    private readonly IAqdParameterSource? source;

    private AqdNetworkBuilder(AqdModelOptions options, IAqdParameterSource? source)
    {
        options.Validate();
        o = options;
        net = new AqdNetwork(options);
        rng = new Random(options.Seed);
        this.source = source;
    }

    /// <summary>
    /// Builds, calibrates and lowers the network. <paramref name="calibrationBgr"/>: the calibration
    /// photo as HWC BGR bytes of the input size.
    /// </summary>
    public static AqdNetwork Build(AqdModelOptions options, ReadOnlySpan<byte> calibrationBgr)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Build(options, null, calibrationBgr);
    }

    /// <summary>
    /// Builds the network with the weights, BN, clips and (optionally) int16 scales of
    /// <paramref name="parameters"/> instead of random ones (a checkpoint: <see cref="Checkpoints.AqdCheckpointImporter"/>);
    /// the calibration photo then only sets the int16 scales the source leaves open.
    /// <see cref="IAqdParameterSource.Complete"/> runs after the structure is built, before lowering.
    /// </summary>
    internal static AqdNetwork Build(AqdModelOptions options, IAqdParameterSource? parameters, ReadOnlySpan<byte> calibrationBgr)
    {
        ArgumentNullException.ThrowIfNull(options);
        var b = new AqdNetworkBuilder(options, parameters);
        if (calibrationBgr.Length != options.InputWidth * options.InputHeight * 3)
        {
            throw new ArgumentException($"calibration image: {calibrationBgr.Length} bytes, the input takes {options.InputWidth * options.InputHeight * 3}.");
        }
        b.BuildAll(calibrationBgr);
        parameters?.Complete();
        b.AssignGroupScales();
        AqdLowering.Lower(b.net);
        return b.net;
    }

    private void BuildAll(ReadOnlySpan<byte> image)
    {
        var input = net.AddTensor("input", o.InputHeight, o.InputWidth, 3, ActivationFormat.UInt8(o.InputZeroPoint));
        input.Scale = 1;
        net.Input = input;
        var x = new double[image.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = image[i] - o.InputZeroPoint;
        }
        values[input] = x;

        var (c3, c4, c5) = Backbone(input);
        var pyramid = Fpn(c3, c4, c5);
        if (o.Family == AqdFamily.Fcos)
        {
            FcosHead(pyramid);
        }
        else
        {
            RetinaHead(pyramid);
        }
    }

    // ---------------------------------------------------------------- backbone

    private (AqdTensor C3, AqdTensor C4, AqdTensor C5) Backbone(AqdTensor input)
    {
        int width = o.BackboneWidth;
        var stem = Conv("stem.conv1", input, width, 7, 2, 8, Out.Clip(ActivationFormat.Unsigned(8)), relu: true);
        var pooled = net.AddTensor("stem.maxpool", (stem.Height + 1) / 2, (stem.Width + 1) / 2, width, stem.Format);
        pooled.Scale = stem.Scale;
        net.Nodes.Add(new AqdMaxPool("stem.maxpool", stem, pooled));
        values[pooled] = AqdFloatOps.MaxPool3x3s2(values[stem], stem.Height, stem.Width, width);

        var stream = pooled;
        var stages = new AqdTensor[4];
        for (int s = 0; s < 4; s++)
        {
            string group = $"layer{s + 1}";
            // Stage 1's first add takes the uint8 max-pool output in the basic-block ResNets; the
            // bottleneck ResNet projects it (64 -> 256 channels), so no add sees the pooled tensor.
            groupBase[group] = s == 0 && !o.Bottleneck ? pooled : null;
            for (int j = 0; j < o.StageBlocks(s); j++)
            {
                int stride = s > 0 && j == 0 ? 2 : 1;
                stream = o.Bottleneck
                    ? BottleneckBlock($"layer{s + 1}.{j}", stream, width << s, o.StageChannels(s), stride, group)
                    : BasicBlock($"layer{s + 1}.{j}", stream, width << s, stride, group);
            }
            stages[s] = stream;
        }
        return (stages[1], stages[2], stages[3]);
    }

    /// <summary>
    /// ResNet-18/34 basic block: the block input quantizer (stream -> b-bit) feeds conv1 and the 1x1
    /// downsample conv; conv1 -> b-bit; conv2 and downsample -> int16 at the stream scale; Add + ReLU.
    /// </summary>
    private AqdTensor BasicBlock(string p, AqdTensor stream, int ch, int stride, string group)
    {
        var xq = Quantize(p + ".quant", stream, o.Bits);
        var h = Conv(p + ".conv1", xq, ch, 3, stride, o.Bits, Out.Clip(AqdQuantizers.ActivationFormatOf(o.Bits)), relu: true);
        var y = Conv(p + ".conv2", h, ch, 3, 1, o.Bits, Out.ToGroup(group), relu: false);
        var identity = stream;
        if (stride != 1 || stream.Channels != ch)
        {
            identity = Conv(p + ".downsample", xq, ch, 1, stride, o.Bits, Out.ToGroup(group), relu: false);
        }
        return Add(p + ".add", y, identity, group, relu: true);
    }

    /// <summary>
    /// ResNet-50 bottleneck block, same AQD semantics as the basic block: the block input quantizer
    /// feeds conv1 (1x1) and the 1x1 projection shortcut; conv1 and conv2 (3x3) -> b-bit; conv3 (1x1,
    /// expansion 4) and the shortcut -> int16 at the stream scale; Add + ReLU. The stride is on conv1
    /// (detectron2 STRIDE_IN_1X1) or on conv2 (<see cref="AqdModelOptions.StrideIn1x1"/>).
    /// </summary>
    private AqdTensor BottleneckBlock(string p, AqdTensor stream, int mid, int outCh, int stride, string group)
    {
        var lowBit = Out.Clip(AqdQuantizers.ActivationFormatOf(o.Bits));
        var xq = Quantize(p + ".quant", stream, o.Bits);
        var h1 = Conv(p + ".conv1", xq, mid, 1, o.StrideIn1x1 ? stride : 1, o.Bits, lowBit, relu: true);
        var h2 = Conv(p + ".conv2", h1, mid, 3, o.StrideIn1x1 ? 1 : stride, o.Bits, lowBit, relu: true);
        var y = Conv(p + ".conv3", h2, outCh, 1, 1, o.Bits, Out.ToGroup(group), relu: false);
        var identity = stream;
        if (stride != 1 || stream.Channels != outCh)
        {
            identity = Conv(p + ".downsample", xq, outCh, 1, stride, o.Bits, Out.ToGroup(group), relu: false);
        }
        return Add(p + ".add", y, identity, group, relu: true);
    }

    // ---------------------------------------------------------------- FPN

    private AqdTensor[] Fpn(AqdTensor c3, AqdTensor c4, AqdTensor c5)
    {
        int f = o.FpnChannels, b = o.Bits;
        groupBase["fpn"] = null;
        var q5 = Quantize("fpn.lateral5.quant", c5, b);
        var q4 = Quantize("fpn.lateral4.quant", c4, b);
        var q3 = Quantize("fpn.lateral3.quant", c3, b);
        var t5 = Conv("fpn.lateral5", q5, f, 1, 1, b, Out.ToGroup("fpn"), relu: true);
        var l4 = Conv("fpn.lateral4", q4, f, 1, 1, b, Out.ToGroup("fpn"), relu: true);
        var t4 = Add("fpn.topdown4", l4, Upsample("fpn.up5", t5), "fpn", relu: true);
        var l3 = Conv("fpn.lateral3", q3, f, 1, 1, b, Out.ToGroup("fpn"), relu: true);
        var t3 = Add("fpn.topdown3", l3, Upsample("fpn.up4", t4), "fpn", relu: true);

        // P3-P5 outputs share one clip: the head's input quantizer (the heads are shared across levels).
        var headIn = AqdQuantizers.ActivationFormatOf(b);
        AqdTensor[] ts = [t3, t4, t5];
        var quantized = ts.Select((t, i) => Quantize($"fpn.output{i + 3}.quant", t, b)).ToArray();
        var weights = ts.Select((t, i) => NewWeights($"fpn.output{i + 3}", f, 3, f, b)).ToArray();
        var p = ConvGroup(["fpn.output3", "fpn.output4", "fpn.output5"], quantized, weights, 1, Out.Clip(headIn), Affine.Bn, relu: true);
        double headScale = p[0].Scale;
        var p6In = o.Family == AqdFamily.Fcos ? p[2] : q5;
        var p6 = Conv("fpn.p6", p6In, f, 3, 2, b, Out.Fixed(headIn, headScale), relu: true);
        var p7 = Conv("fpn.p7", p6, f, 3, 2, b, Out.Fixed(headIn, headScale), relu: true);
        return [p[0], p[1], p[2], p6, p7];
    }

    // ---------------------------------------------------------------- heads

    private AqdTensor[] Tower(string name, AqdTensor[] levels)
    {
        int f = o.FpnChannels;
        var x = levels;
        for (int i = 0; i < o.HeadConvs; i++)
        {
            // The last tower conv feeds the 8-bit prediction convs (L8): its output is 8-bit.
            var format = AqdQuantizers.ActivationFormatOf(i == o.HeadConvs - 1 ? 8 : o.Bits);
            var w = NewWeights($"{name}.{i}", f, 3, f, o.Bits);
            x = ConvGroup(LevelNames($"{name}.{i}"), x, Same(w), 1, Out.Clip(format), Affine.Bn, relu: true);
        }
        return x;
    }

    private void FcosHead(AqdTensor[] pyramid)
    {
        var cls = Tower("head.cls_tower", pyramid);
        var box = Tower("head.bbox_tower", pyramid);
        var logits = Predict("head.cls_logits", cls, o.NumClasses, ActivationFormat.Int8(0), 1.0 / 16, -2.5, 1.5, relu: false, null);
        double[] levelScales = [.. Enumerable.Range(0, 5).Select(_ => 0.8 + 0.4 * rng.NextDouble())];
        var reg = Predict("head.bbox_pred", box, 4, ActivationFormat.UInt8(0), 1.0 / 16, 1.5, 1.0, relu: true, levelScales);
        var ctr = Predict("head.ctrness", box, 1, ActivationFormat.Int8(0), 1.0 / 16, 0, 1.5, relu: false, null);
        for (int l = 0; l < 5; l++)
        {
            net.Outputs.Add(new AqdOutput(logits[l], "cls", l, AqdModelOptions.Strides[l]));
            net.Outputs.Add(new AqdOutput(reg[l], "box", l, AqdModelOptions.Strides[l]));
            net.Outputs.Add(new AqdOutput(ctr[l], "ctr", l, AqdModelOptions.Strides[l]));
        }
    }

    private void RetinaHead(AqdTensor[] pyramid)
    {
        int a = AqdModelOptions.AnchorsPerLocation;
        var cls = Tower("head.cls_subnet", pyramid);
        var box = Tower("head.bbox_subnet", pyramid);
        var logits = Predict("head.cls_score", cls, a * o.NumClasses, ActivationFormat.Int8(0), 1.0 / 16, -3, 1.5, relu: false, null);
        var deltas = Predict("head.bbox_pred", box, a * 4, ActivationFormat.Int8(0), 1.0 / 32, 0, 0.5, relu: false, null);
        for (int l = 0; l < 5; l++)
        {
            net.Outputs.Add(new AqdOutput(logits[l], "cls", l, AqdModelOptions.Strides[l]));
            net.Outputs.Add(new AqdOutput(deltas[l], "box", l, AqdModelOptions.Strides[l]));
        }
    }

    /// <summary>A prediction conv (8-bit weights, bias, no BN) shared by the levels; optional per-level scale (FCOS regression).</summary>
    private AqdTensor[] Predict(string name, AqdTensor[] levels, int cout, ActivationFormat format, double scale,
        double mean, double std, bool relu, double[]? levelScales)
    {
        var w = NewWeights(name, cout, 3, levels[0].Channels, 8);
        return ConvGroup(LevelNames(name), levels, Same(w), 1, Out.Fixed(format, scale), new Affine(mean, std, levelScales), relu);
    }

    private static string[] LevelNames(string name) => [.. Enumerable.Range(3, 5).Select(l => $"{name}.p{l}")];

    private static AqdWeights[] Same(AqdWeights w) => [w, w, w, w, w];

    // ---------------------------------------------------------------- node helpers

    /// <summary>How a conv output is quantized: a calibrated clip, a fixed scale, or an int16 scale group.</summary>
    private readonly record struct Out(ActivationFormat Format, double FixedScale, string? Group)
    {
        public static Out Clip(ActivationFormat f) => new(f, double.NaN, null);
        public static Out Fixed(ActivationFormat f, double scale) => new(f, scale, null);
        public static Out ToGroup(string g) => new(ActivationFormat.Int16(), double.NaN, g);
    }

    /// <summary>Folded affine: per-level BN (Mean NaN), or a shared bias-only prediction conv normalized to N(Mean, Std).</summary>
    private sealed record Affine(double Mean, double Std, double[]? LevelScales)
    {
        public static readonly Affine Bn = new(double.NaN, 0, null);
    }

    private AqdWeights NewWeights(string name, int cout, int k, int cin, int bits)
    {
        if (source is not null)
        {
            return source.Weights(name, cout, k, cin, bits);
        }
        var w = new double[cout * k * k * cin];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = Normal();
        }
        var (levels, scale) = AqdQuantizers.QuantizeWeights(w, bits);
        return new AqdWeights(name, cout, k, cin, AqdQuantizers.WeightFormat(bits), levels, scale);
    }

    private AqdTensor Conv(string name, AqdTensor x, int cout, int k, int stride, int bits, Out output, bool relu)
        => ConvGroup([name], [x], [NewWeights(name, cout, k, x.Channels, bits)], stride, output, Affine.Bn, relu)[0];

    /// <summary>
    /// Convs calibrated together (the pyramid levels of one shared head conv, or convs sharing one
    /// output quantizer): each gets its own BN statistics; the clip is taken over all of them.
    /// </summary>
    private AqdTensor[] ConvGroup(string[] names, AqdTensor[] inputs, AqdWeights[] weights, int stride, Out output, Affine affine, bool relu)
    {
        int n = names.Length;
        int cout = weights[0].OutChannels;
        var ys = new double[n][];
        var gains = new double[n][];
        var offsets = new double[n][];
        var accs = new double[n][];
        for (int l = 0; l < n; l++)
        {
            var x = inputs[l];
            var w = weights[l];
            var wReal = w.Levels.Select(v => v * w.Scale).ToArray();
            accs[l] = AqdFloatOps.Conv(values[x], x.Height, x.Width, x.Channels, wReal, cout, w.Kernel, stride);
        }
        if (source is not null)
        {
            for (int l = 0; l < n; l++)
            {
                (gains[l], offsets[l]) = source.Affine(names[l], cout);
            }
        }
        else if (double.IsNaN(affine.Mean))
        {
            for (int l = 0; l < n; l++)
            {
                var (mean, std) = ChannelStats([accs[l]], cout);
                gains[l] = new double[cout];
                offsets[l] = new double[cout];
                for (int c = 0; c < cout; c++)
                {
                    double gamma = 0.5 + 0.5 * rng.NextDouble(), beta = -0.2 + 0.7 * rng.NextDouble();
                    gains[l][c] = gamma / std[c];
                    offsets[l][c] = beta - gains[l][c] * mean[c];
                }
            }
        }
        else
        {
            var (mean, std) = ChannelStats(accs, cout);
            for (int l = 0; l < n; l++)
            {
                double ls = affine.LevelScales?[l] ?? 1;
                gains[l] = new double[cout];
                offsets[l] = new double[cout];
                for (int c = 0; c < cout; c++)
                {
                    gains[l][c] = ls * affine.Std / std[c];
                    offsets[l][c] = ls * (affine.Mean - affine.Std * mean[c] / std[c]);
                }
            }
        }
        for (int l = 0; l < n; l++)
        {
            var y = accs[l];
            for (int i = 0; i < y.Length; i++)
            {
                int c = i % cout;
                y[i] = y[i] * gains[l][c] + offsets[l][c];
                if (relu && y[i] < 0)
                {
                    y[i] = 0;
                }
            }
            ys[l] = y;
        }
        double scale = output.FixedScale;
        if (output.Group is null && double.IsNaN(scale))
        {
            scale = (source is null ? Percentile(ys) : source.Clip(names[0])) / output.Format.Max;
        }
        var outs = new AqdTensor[n];
        for (int l = 0; l < n; l++)
        {
            var x = inputs[l];
            var w = weights[l];
            int pad = w.Kernel / 2;
            int oh = (x.Height + 2 * pad - w.Kernel) / stride + 1, ow = (x.Width + 2 * pad - w.Kernel) / stride + 1;
            var t = net.AddTensor(names[l], oh, ow, cout, output.Format);
            t.Scale = scale;
            t.ScaleGroup = output.Group;
            var node = new AqdConv(names[l], x, t, w, stride, relu) { Gain = gains[l], Offset = offsets[l] };
            net.Nodes.Add(node);
            values[t] = output.Group is null ? FakeQuant(ys[l], t, node.Range.Min, node.Range.Max) : ys[l];
            outs[l] = t;
        }
        return outs;
    }

    private AqdTensor Quantize(string name, AqdTensor x, int bits)
    {
        var format = AqdQuantizers.ActivationFormatOf(bits);
        var t = net.AddTensor(name, x.Height, x.Width, x.Channels, format);
        t.Scale = (source is null ? Percentile([values[x]]) : source.Clip(name)) / format.Max;
        net.Nodes.Add(new AqdRequantize(name, x, t));
        values[t] = FakeQuant(values[x], t, 0, format.Max);
        return t;
    }

    private AqdTensor Add(string name, AqdTensor a, AqdTensor b, string group, bool relu)
    {
        var t = net.AddTensor(name, a.Height, a.Width, a.Channels, ActivationFormat.Int16());
        t.ScaleGroup = group;
        net.Nodes.Add(new AqdAdd(name, a, b, t, relu));
        var va = values[a];
        var vb = values[b];
        var y = new double[va.Length];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = relu ? Math.Max(0, va[i] + vb[i]) : va[i] + vb[i];
        }
        values[t] = y;
        return t;
    }

    private AqdTensor Upsample(string name, AqdTensor x)
    {
        var t = net.AddTensor(name, 2 * x.Height, 2 * x.Width, x.Channels, x.Format);
        t.ScaleGroup = x.ScaleGroup;
        t.Scale = x.Scale;
        net.Nodes.Add(new AqdUpsample(name, x, t));
        values[t] = AqdFloatOps.Upsample2x(values[x], x.Height, x.Width, x.Channels);
        return t;
    }

    /// <summary>
    /// Int16 scale groups: max |value| over the group maps to about 16000 (headroom for other
    /// inputs); a group whose adds also take a uint8 tensor (stage 1 after the max pool) uses that
    /// tensor's scale divided by a power of two, so every add is exact.
    /// </summary>
    private void AssignGroupScales()
    {
        foreach (var (group, baseTensor) in groupBase)
        {
            var members = net.Tensors.Where(t => t.ScaleGroup == group).ToList();
            double max = members.Max(t => values[t].Max(Math.Abs));
            double scale = Math.Max(max, 1e-6) / Int16Headroom;
            if (source?.GroupScale(group) is { } given)
            {
                // a group whose adds take a uint8 tensor: snap to that tensor's scale / 2^e (a stored float32 scale is rounded)
                scale = baseTensor is null ? given : Math.ScaleB(baseTensor.Scale, -Math.Max(0, (int)Math.Round(Math.Log2(baseTensor.Scale / given))));
            }
            else if (baseTensor is not null)
            {
                int e = Math.Max(0, (int)Math.Floor(Math.Log2(baseTensor.Scale / scale)));
                scale = Math.ScaleB(baseTensor.Scale, -e);
            }
            foreach (var t in members)
            {
                t.Scale = scale;
            }
        }
    }

    // ---------------------------------------------------------------- numerics

    private static double[] FakeQuant(double[] y, AqdTensor t, int lo, int hi)
    {
        var q = new double[y.Length];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = t.Scale * (AqdQuantizers.Quantize(y[i], t.Scale, t.ZeroPoint, lo, hi) - t.ZeroPoint);
        }
        return q;
    }

    private static (double[] Mean, double[] Std) ChannelStats(double[][] arrays, int channels)
    {
        var sum = new double[channels];
        var sq = new double[channels];
        long count = 0;
        foreach (var a in arrays)
        {
            for (int i = 0; i < a.Length; i++)
            {
                sum[i % channels] += a[i];
                sq[i % channels] += a[i] * a[i];
            }
            count += a.Length / channels;
        }
        var mean = new double[channels];
        var std = new double[channels];
        double avgVar = 0;
        for (int c = 0; c < channels; c++)
        {
            mean[c] = sum[c] / count;
            std[c] = Math.Max(0, sq[c] / count - mean[c] * mean[c]);
            avgVar += std[c] / channels;
        }
        double eps = 1e-3 * avgVar + 1e-12;
        for (int c = 0; c < channels; c++)
        {
            std[c] = Math.Sqrt(std[c] + eps);
        }
        return (mean, std);
    }

    /// <summary>The 99.9th percentile of the positive values (1 if there are none).</summary>
    private static double Percentile(double[][] arrays)
    {
        var positive = arrays.SelectMany(a => a.Where(v => v > 0)).ToArray();
        if (positive.Length == 0)
        {
            return 1;
        }
        Array.Sort(positive);
        return positive[(int)Math.Min(positive.Length - 1, Math.Floor(ClipPercentile * positive.Length))];
    }

    private double Normal()
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
