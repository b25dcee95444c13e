using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx.Protobuf;

namespace AQD.Edge.Onnx.Import;

/// <summary>Conv weights in ONNX order [M][C/group][KH][KW], already integer (zero point removed), in <see cref="Format"/>.</summary>
internal sealed record IntConvWeights(string Name, long[] Values, int M, int Cg, int Kh, int Kw, LowBitFormat Format);

/// <summary>
/// Graph-section emission shared by the quantized (QDQ / QLinearConv) and the float + calibration
/// importers: both decide the integer weights, bias and real scales, this class validates the
/// geometry, derives the fixed-point multipliers (<see cref="FixedPointMultiplier"/>,
/// <see cref="QuantizedAddPreparation"/>, <see cref="GlobalAveragePoolPreparation"/>) and writes
/// tensors, weights, parameter blocks and ops through the <see cref="GraphBuilder"/>.
/// </summary>
internal sealed class QuantizedGraphEmitter(GraphBuilder builder)
{
    /// <summary>ONNX tensor name -> blob tensor (every tensor this emitter created).</summary>
    public Dictionary<string, QTensor> Tensors { get; } = [];

    public GraphBuilder Builder => builder;

    private readonly Dictionary<(LowBitFormat, int, int, int, int, string), WeightRef> weightRefs = [];

    /// <summary>ONNX tensor name -> the name its blob tensor gets instead (e.g. the graph output a view exposes it as).</summary>
    public Dictionary<string, string> BlobNames { get; } = [];

    public QTensor AddTensor(string name, ActivationFormat f, float scale, int h, int w, int c)
    {
        int id = builder.AddTensor(BlobNames.GetValueOrDefault(name, name), f, h, w, c, BitConverter.SingleToUInt32Bits(scale));
        var q = new QTensor(id, scale, f.ZeroPoint, f, h, w, c);
        Tensors[name] = q;
        return q;
    }

    /// <summary>The graph input [1, C, H, W] (batch may be symbolic) as a blob input tensor.</summary>
    public QTensor AddInput(ValueInfoProto input, float scale, ActivationFormat f, string name)
    {
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 4 || dims.Skip(1).Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            || dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[0].DimValue != 1)
        {
            throw new OnnxImportException($"graph input '{input.Name}' must have a fixed shape [1, C, H, W] (batch may be symbolic).");
        }
        var t = AddTensor(name, f, scale, (int)dims[2].DimValue, (int)dims[3].DimValue, (int)dims[1].DimValue);
        builder.AddInput(t.Id);
        return t;
    }

    /// <summary>
    /// Conv2D: weights to the kernels' packed layout, int32 bias at x.Scale * wScales[o], multipliers
    /// x.Scale * wScales[o] / ys (float32 arithmetic, as ONNX Runtime). The output clamp is the format's
    /// range, raised to the zero point when <paramref name="relu"/>, lowered to zp + round(max / ys)
    /// when <paramref name="clampMax"/> is given (Clip(0, 6)). <paramref name="extraPads"/> [top, left,
    /// bottom, right] come from a folded zero Pad node and add to the node's own pads. <paramref name="leakyAlpha"/>:
    /// a fused LeakyReLU (op flag LeakyRelu, negative-side multipliers M * alpha from <see cref="LeakyReluPreparation"/>).
    /// </summary>
    public QTensor Conv(NodeProto n, QTensor x, IntConvWeights w, float[] wScales, int[] bias, bool relu, float? clampMax,
        string output, float ys, ActivationFormat yf, int[]? extraPads = null, float? leakyAlpha = null)
    {
        int m = w.M, cg = w.Cg, kh = w.Kh, kw = w.Kw;
        int groups = (int)OnnxNodes.Attr(n, "group", 1);
        if (OnnxNodes.Ints(n, "dilations")?.Any(d => d != 1) == true)
        {
            throw new OnnxImportException($"node '{n.Name}': dilations other than 1 are not supported.");
        }
        if (OnnxNodes.Ints(n, "kernel_shape") is { } ks && (ks[0] != kh || ks[1] != kw))
        {
            throw new OnnxImportException($"node '{n.Name}': kernel_shape [{string.Join(", ", ks)}] differs from the weights' {kh}x{kw}.");
        }
        if (cg * groups != x.Channels)
        {
            throw new OnnxImportException($"node '{n.Name}': weights have {cg} input channels per group x group {groups}, but the input has {x.Channels} channels.");
        }
        var s = OnnxNodes.Ints(n, "strides") ?? [1, 1];
        var pads = OnnxNodes.Pads(n, x.Height, x.Width, kh, kw, (int)s[0], (int)s[1]);
        if (extraPads is not null)
        {
            pads = [.. pads.Zip(extraPads, (a, e) => a + e)];   // a folded Pad node (zero constant) before the conv
        }
        var g = new ConvGeometry(x.Height, x.Width, x.Channels, m, kh, kw, (int)s[0], (int)s[1], pads[0], pads[1], pads[2], pads[3], groups);
        g.Validate($"node '{n.Name}'");
        foreach (var (what, v) in new[] { ("kernel", kh), ("kernel", kw), ("stride", g.StrideH), ("stride", g.StrideW), ("pad", pads[0]), ("pad", pads[1]), ("pad", pads[2]), ("pad", pads[3]) })
        {
            OnnxNodes.Byte(n, what, v);
        }

        // OIHW -> [O][KH][KW][I/groups].
        var format = w.Format;
        var ohwi = new sbyte[w.Values.Length];
        int k = kh * kw * cg;
        for (int o = 0; o < m; o++)
        {
            for (int i = 0; i < cg; i++)
            {
                for (int y = 0; y < kh; y++)
                {
                    for (int xk = 0; xk < kw; xk++)
                    {
                        long v = w.Values[((o * cg + i) * kh + y) * kw + xk];
                        if (v < format.MinValue || v > format.MaxValue || v == -128)
                        {
                            throw new OnnxImportException(
                                $"node '{n.Name}': weight [{o}, {i}, {y}, {xk}] minus its zero point is {v}, outside {format} [{(format.Bits == 8 ? -127 : format.MinValue)}, {format.MaxValue}]" +
                                (v == -128 ? " (the kernels refuse the int8 weight -128; requantize the weights symmetric to [-127, 127])." : "."));
                        }
                        ohwi[o * k + (y * kw + xk) * cg + i] = (sbyte)v;
                    }
                }
            }
        }
        var packed = new PackedConvWeights(g, ohwi, format);
        var requant = new ChannelRequant[m];
        var reals = new double[m];
        for (int o = 0; o < m; o++)
        {
            float real = x.Scale * wScales[o] / ys;
            reals[o] = real;
            requant[o] = FixedPointMultiplier.FromReal(real, $"node '{n.Name}' channel {o} multiplier x_scale*w_scale/y_scale");
        }
        ChannelRequant[]? negative = null;
        if (leakyAlpha is { } alpha)
        {
            if (relu)
            {
                throw new OnnxImportException($"node '{n.Name}': a LeakyRelu cannot be combined with a Relu / Clip clamp.");
            }
            negative = LeakyReluPreparation.FromReal(reals, alpha).Negative;
        }
        int hi = yf.Max;
        if (clampMax is { } cm)
        {
            hi = (int)Math.Clamp(Math.Round(yf.ZeroPoint + cm / (double)ys, MidpointRounding.ToEven), yf.Min, yf.Max);
        }
        var range = new OutputRange(yf.ZeroPoint, relu ? Math.Max(yf.Min, yf.ZeroPoint) : yf.Min, hi);
        var yt = AddTensor(output, yf, ys, g.OutHeight, g.OutWidth, m);
        // Identical packed weights (same shape and format) are stored once: the per-level convs of a
        // multi-level-BN head share one weight initializer (with per-level scales and biases).
        var key = (format, m, kh, kw, cg, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(packed.Bytes.Span)));
        if (!weightRefs.TryGetValue(key, out var wref))
        {
            wref = builder.AddWeights(packed.Bytes.Span, format, n.Name);
            weightRefs[key] = wref;
        }
        uint ps = builder.AddParams(negative is null ? GraphBuilder.RequantBlock(bias, requant, range) : GraphBuilder.LeakyRequantBlock(bias, requant, negative, range));
        builder.AddOp(new GraphOpRecord(GraphOpType.Conv2D, n.Name, [x.Id], [yt.Id],
            new OpAttributes((byte)kh, (byte)kw, (byte)g.StrideH, (byte)g.StrideW, (byte)g.PadTop, (byte)g.PadLeft, (byte)g.PadBottom, (byte)g.PadRight,
                (uint)groups), ps, wref, negative is null ? GraphOpFlags.None : GraphOpFlags.LeakyRelu));
        return yt;
    }

    /// <summary>MaxPool (same quantization in and out).</summary>
    public QTensor MaxPool(NodeProto n, QTensor x, string output)
    {
        if (OnnxNodes.Attr(n, "ceil_mode", 0) != 0 || OnnxNodes.Ints(n, "dilations")?.Any(d => d != 1) == true || OnnxNodes.Attr(n, "storage_order", 0) != 0)
        {
            throw new OnnxImportException($"node '{n.Name}' (MaxPool): ceil_mode, dilations and storage_order must be the defaults.");
        }
        var k = OnnxNodes.Ints(n, "kernel_shape") ?? throw new OnnxImportException($"node '{n.Name}' (MaxPool): kernel_shape is required.");
        var s = OnnxNodes.Ints(n, "strides") ?? [1, 1];
        var pads = OnnxNodes.Pads(n, x.Height, x.Width, (int)k[0], (int)k[1], (int)s[0], (int)s[1]);
        var g = new PoolGeometry(1, x.Height, x.Width, x.Channels, (int)k[0], (int)k[1], (int)s[0], (int)s[1], pads[0], pads[1], pads[2], pads[3]);
        var y = AddTensor(output, x.Format, x.Scale, g.OutHeight, g.OutWidth, x.Channels);
        builder.AddOp(new GraphOpRecord(GraphOpType.MaxPool, n.Name, [x.Id], [y.Id],
            new OpAttributes(OnnxNodes.Byte(n, "kernel", g.KernelH), OnnxNodes.Byte(n, "kernel", g.KernelW), OnnxNodes.Byte(n, "stride", g.StrideH), OnnxNodes.Byte(n, "stride", g.StrideW),
                OnnxNodes.Byte(n, "pad", g.PadTop), OnnxNodes.Byte(n, "pad", g.PadLeft), OnnxNodes.Byte(n, "pad", g.PadBottom), OnnxNodes.Byte(n, "pad", g.PadRight))));
        return y;
    }

    /// <summary>GlobalAveragePool, or an AveragePool whose kernel is the whole unpadded input (a 1x1 output).</summary>
    public QTensor GlobalAveragePool(NodeProto n, QTensor x, string output, float scale, ActivationFormat format)
    {
        if (n.OpType == "AveragePool")
        {
            var k = OnnxNodes.Ints(n, "kernel_shape") ?? throw new OnnxImportException($"node '{n.Name}' (AveragePool): kernel_shape is required.");
            var s = OnnxNodes.Ints(n, "strides") ?? [1, 1];
            var pads = k.Length == 2 ? OnnxNodes.Pads(n, x.Height, x.Width, (int)k[0], (int)k[1], (int)s[0], (int)s[1]) : [];
            if (k.Length != 2 || k[0] != x.Height || k[1] != x.Width || pads.Any(p => p != 0) || OnnxNodes.Attr(n, "ceil_mode", 0) != 0)
            {
                throw new OnnxImportException($"node '{n.Name}' (AveragePool): only a kernel covering the whole {x.Height}x{x.Width} input without padding (a global average) is supported; " +
                    $"got kernel [{string.Join(", ", k)}], pads [{string.Join(", ", pads)}].");
            }
        }
        var y = AddTensor(output, format, scale, 1, 1, x.Channels);
        var prm = GlobalAveragePoolPreparation.Prepare(1, x.Height, x.Width, x.Channels, x.Format, x.Scale, format, scale);
        uint ps = builder.AddParams(GraphBuilder.GlobalAveragePoolBlock(prm.Multiplier, relu: false));
        builder.AddOp(new GraphOpRecord(GraphOpType.GlobalAveragePool, n.Name, [x.Id], [y.Id], default, ps));
        return y;
    }

    public QTensor Add(NodeProto n, QTensor a, QTensor b, bool relu, string output, float scale, ActivationFormat format)
    {
        if (b.Height != a.Height || b.Width != a.Width || b.Channels != a.Channels)
        {
            throw new OnnxImportException($"node '{n.Name}' (Add): shapes {a.Height}x{a.Width}x{a.Channels} and {b.Height}x{b.Width}x{b.Channels} differ (broadcasting is not supported).");
        }
        var y = AddTensor(output, format, scale, a.Height, a.Width, a.Channels);
        var prm = QuantizedAddPreparation.Prepare(a.Format, a.Scale, b.Format, b.Scale, format, scale, relu, a.Height * a.Width * a.Channels);
        uint ps = builder.AddParams(GraphBuilder.AddBlock(prm.LeftShift, prm.MultiplierA, prm.MultiplierB, prm.MultiplierOut, relu));
        builder.AddOp(new GraphOpRecord(GraphOpType.Add, n.Name, [a.Id, b.Id], [y.Id], default, ps));
        return y;
    }

    /// <summary>Concat along channels; every input must already carry the output's quantization.</summary>
    public QTensor Concat(NodeProto n, QTensor[] inputs, string output)
    {
        var first = inputs[0];
        foreach (var t in inputs)
        {
            if (t.Height != first.Height || t.Width != first.Width)
            {
                throw new OnnxImportException($"node '{n.Name}' (Concat): inputs of {first.Height}x{first.Width} and {t.Height}x{t.Width} differ in size.");
            }
            if (t.Scale != first.Scale || t.ZeroPoint != first.ZeroPoint || t.Format.Storage != first.Format.Storage)
            {
                throw new OnnxImportException($"node '{n.Name}' (Concat): inputs have different quantizations (scale {first.Scale} zp {first.ZeroPoint} vs scale {t.Scale} zp {t.ZeroPoint}); the blob's Concat does not requantize.");
            }
        }
        var y = AddTensor(output, first.Format, first.Scale, first.Height, first.Width, inputs.Sum(t => t.Channels));
        builder.AddOp(new GraphOpRecord(GraphOpType.Concat, n.Name, [.. inputs.Select(t => t.Id)], [y.Id], default, GraphFormat.None));
        return y;
    }

    /// <summary>
    /// Flatten / Reshape of a 1x1xC tensor to a C-vector ([1, C], [C], [1, C, 1, 1], with 0 = copy and
    /// -1 = infer): the same bytes, so the output name maps to the input's blob tensor (no op).
    /// </summary>
    public QTensor FlattenView(NodeProto n, QTensor x, long[]? shape, string output)
    {
        if (x.Height != 1 || x.Width != 1)
        {
            throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): only a 1x1xC input (a feature vector) can be flattened; the input is {x.Height}x{x.Width}x{x.Channels}.");
        }
        if (shape is not null)
        {
            long[] inDims = [1, x.Channels, 1, 1];
            var dims = shape.Select((d, i) => d == 0 && i < inDims.Length ? inDims[i] : d).ToArray();
            long known = dims.Where(d => d != -1).Aggregate(1L, (a, d) => a * d);
            int infer = dims.Count(d => d == -1);
            bool ok = dims.All(d => d >= 1 || d == -1) && infer <= 1 && (infer == 1 ? known > 0 && x.Channels % known == 0 : known == x.Channels)
                && dims.Select(d => d == -1 ? x.Channels / known : d).Count(d => d != 1) <= 1;
            if (!ok)
            {
                throw new OnnxImportException($"node '{n.Name}' (Reshape): only a reshape of [1, {x.Channels}, 1, 1] to a {x.Channels}-vector is supported, not to [{string.Join(", ", shape)}].");
            }
        }
        Tensors[output] = x;
        return x;
    }

    /// <summary>
    /// Requantize <paramref name="x"/> into a new tensor <paramref name="output"/> of format
    /// <paramref name="format"/> and scale <paramref name="scale"/> (multiplier x.Scale / scale, THE rule).
    /// </summary>
    public QTensor Requantize(string name, QTensor x, string output, float scale, ActivationFormat format)
    {
        var prm = RequantizePreparation.Prepare(x.Format, x.Scale, format, scale, x.Height * x.Width, x.Channels);
        var y = AddTensor(output, format, scale, x.Height, x.Width, x.Channels);
        uint ps = builder.AddParams(GraphBuilder.RequantizeBlock(prm.Multiplier, x.Format.ZeroPoint));
        builder.AddOp(new GraphOpRecord(GraphOpType.Requantize, name, [x.Id], [y.Id], default, ps));
        return y;
    }

    /// <summary>
    /// Reshape [1, C, H, W] -> [1, C, H*W] then Transpose [0, 2, 1] (a [1, H*W, C] graph output): the NHWC
    /// tensor's bytes are already those rows, so the output maps to the input's blob tensor (no op).
    /// </summary>
    public QTensor RowsView(NodeProto n, QTensor x, long[] shape, string output)
    {
        long[] inDims = [1, x.Channels, x.Height, x.Width];
        var dims = shape.Select((d, i) => d == 0 && i < inDims.Length ? inDims[i] : d).ToArray();
        long hw = (long)x.Height * x.Width;
        bool ok = dims.Length == 3 && dims[0] == 1 && (dims[1] == x.Channels || dims[1] == -1 && dims[2] == hw) && (dims[2] == hw || dims[2] == -1 && dims[1] == x.Channels);
        if (!ok)
        {
            throw new OnnxImportException($"node '{n.Name}' (Reshape): before a Transpose [0, 2, 1] only [1, {x.Channels}, {hw}] (channels kept, H*W flattened) is supported, not [{string.Join(", ", shape)}].");
        }
        Tensors[output] = x;
        return x;
    }

    /// <summary>
    /// Sigmoid as a 256-entry table (<see cref="LookupTablePreparation.Sigmoid"/>) with the output quantization
    /// <see cref="SigmoidOutput"/> gives (uint8 1/256 or int16 1/32768, zero point 0).
    /// </summary>
    public QTensor Sigmoid(NodeProto n, QTensor x, string output, ActivationFormat yf, float ys)
    {
        var table = LookupTablePreparation.Sigmoid(x.Format, x.Scale, yf, ys);
        var y = AddTensor(output, yf, ys, x.Height, x.Width, x.Channels);
        var values = new int[GraphFormat.LookupTableValues];
        int xor = x.Format.Storage == ActivationStorage.Int8 ? 0x80 : 0;
        for (int pattern = 0; pattern < values.Length; pattern++)
        {
            values[pattern] = table.Value(pattern ^ xor);
        }
        uint ps = builder.AddParams(GraphBuilder.LookupTableBlock(values));
        builder.AddOp(new GraphOpRecord(GraphOpType.LookupTable, n.Name, [x.Id], [y.Id], default, ps));
        return y;
    }

    /// <summary>A sigmoid table's output quantization: 8 bits = uint8 scale 1/256, 16 bits = int16 scale 1/32768 (zero point 0).</summary>
    public static (float Scale, ActivationFormat Format) SigmoidOutput(int bits) => bits switch
    {
        8 => (1f / 256, ActivationFormat.UInt8(0)),
        16 => (1f / 32768, ActivationFormat.Int16()),
        _ => throw new OnnxImportException($"sigmoid output bits {bits}: 8 (uint8, 1/256) or 16 (int16, 1/32768)."),
    };

    /// <summary>Channels [first, first + width) of <paramref name="x"/> (same quantization).</summary>
    public QTensor ChannelSlice(NodeProto n, QTensor x, int first, int width, string output)
    {
        if (first < 0 || width < 1 || first + width > x.Channels)
        {
            throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): channels [{first}, +{width}) are outside the input's {x.Channels}.");
        }
        var y = AddTensor(output, x.Format, x.Scale, x.Height, x.Width, width);
        builder.AddOp(new GraphOpRecord(GraphOpType.ChannelSlice, $"{n.Name}:{output}", [x.Id], [y.Id], new OpAttributes(Extra: (uint)first)));
        return y;
    }

    /// <summary>Bilinear resize to <paramref name="height"/> x <paramref name="width"/> (same quantization in and out).</summary>
    public QTensor ResizeBilinear(NodeProto n, QTensor x, int height, int width, string mode, string output)
    {
        var coordinates = mode switch
        {
            "half_pixel" => BilinearCoordinates.HalfPixel,
            "pytorch_half_pixel" when height > 1 && width > 1 => BilinearCoordinates.HalfPixel,
            "asymmetric" => BilinearCoordinates.Asymmetric,
            "align_corners" => BilinearCoordinates.AlignCorners,
            _ => throw new OnnxImportException($"node '{n.Name}' (Resize): coordinate mode {mode} to a {height}x{width} output is not supported."),
        };
        if (height is < 1 or > BilinearParams.MaxSize || width is < 1 or > BilinearParams.MaxSize)
        {
            throw new OnnxImportException($"node '{n.Name}' (Resize): output {height}x{width} is outside [1, {BilinearParams.MaxSize}].");
        }
        var y = AddTensor(output, x.Format, x.Scale, height, width, x.Channels);
        builder.AddOp(new GraphOpRecord(GraphOpType.ResizeBilinear, n.Name, [x.Id], [y.Id], new OpAttributes(Extra: (uint)coordinates)));
        return y;
    }

    public QTensor ResizeNearest2x(NodeProto n, QTensor x, string output)
    {
        var y = AddTensor(output, x.Format, x.Scale, 2 * x.Height, 2 * x.Width, x.Channels);
        builder.AddOp(new GraphOpRecord(GraphOpType.ResizeNearest2x, n.Name, [x.Id], [y.Id], default, GraphFormat.None));
        return y;
    }
}

/// <summary>Attribute and input helpers for ONNX nodes.</summary>
internal static class OnnxNodes
{
    public static string Op(NodeProto n) => string.IsNullOrEmpty(n.Domain) || n.Domain == "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}";

    public static bool IsDefaultDomain(NodeProto n) => string.IsNullOrEmpty(n.Domain) || n.Domain == "ai.onnx";

    public static byte Byte(NodeProto n, string what, int v)
        => v is >= 0 and <= 255 ? (byte)v : throw new OnnxImportException($"node '{n.Name}': {what} {v} does not fit the blob's byte field (0..255).");

    public static long Attr(NodeProto n, string name, long fallback) => n.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    public static float? FloatAttr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : null;

    public static string? StringAttr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name)?.S.ToStringUtf8();

    public static long[]? Ints(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    public static string? At(NodeProto n, int i) => i < n.Input.Count && n.Input[i].Length > 0 ? n.Input[i] : null;

    /// <summary>ONNX pads [top, left, bottom, right] (x1_begin, x2_begin, x1_end, x2_end) or auto_pad.</summary>
    public static int[] Pads(NodeProto n, int h, int w, int kh, int kw, int sh, int sw)
    {
        string autoPad = StringAttr(n, "auto_pad") ?? "NOTSET";
        switch (autoPad)
        {
            case "NOTSET" or "":
                var p = Ints(n, "pads") ?? [0, 0, 0, 0];
                if (p.Length != 4)
                {
                    throw new OnnxImportException($"node '{n.Name}': pads must have 4 values for a 2-D op.");
                }
                return [.. p.Select(v => (int)v)];
            case "VALID":
                return [0, 0, 0, 0];
            case "SAME_UPPER" or "SAME_LOWER":
                int th = Math.Max(0, ((h + sh - 1) / sh - 1) * sh + kh - h), tw = Math.Max(0, ((w + sw - 1) / sw - 1) * sw + kw - w);
                bool upper = autoPad == "SAME_UPPER";
                return upper ? [th / 2, tw / 2, th - th / 2, tw - tw / 2] : [th - th / 2, tw - tw / 2, th / 2, tw / 2];
            default:
                throw new OnnxImportException($"node '{n.Name}': auto_pad '{autoPad}' is not supported.");
        }
    }
}
