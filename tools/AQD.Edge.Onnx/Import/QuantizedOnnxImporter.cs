using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx.Protobuf;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Onnx.Import;

/// <summary>
/// Turns the nodes of an already-quantized ONNX graph into graph-section ops (through a
/// <see cref="GraphBuilder"/>). Supported forms (NCHW batch 1 in ONNX, NHWC in the blob):
/// <list type="bullet">
/// <item>QLinearConv: uint8/int8 activations, int8 (or uint8 with a zero point) per-tensor or
/// per-channel weights, int32 bias.</item>
/// <item>ConvInteger: uint8/int8 input with a zero point, int8/uint8 weights with a zero point; the int32
/// output becomes an int16 tensor (multiplier exactly 1) when the accumulator bound fits int16.</item>
/// <item>QDQ: DequantizeLinear -> Conv -> (Relu) -> QuantizeLinear, weights int8/uint8/int4/uint4/int2/uint2
/// through a DequantizeLinear, bias int32 through a DequantizeLinear or float; Relu becomes the
/// output clamp; DQ -> MaxPool -> Q (same scale), DQ -> GlobalAveragePool -> Q, DQ + DQ -> Add ->
/// (Relu) -> Q; QuantizeLinear of a float graph input and DequantizeLinear of a graph output are
/// folded away (the blob's input/output are the quantized tensors).</item>
/// </list>
/// Unsupported op types are collected first and reported together (<see cref="OnnxImportException"/>).
/// </summary>
internal sealed class QuantizedOnnxImporter
{
    private static readonly HashSet<string> SupportedOps =
    [
        "QuantizeLinear", "DequantizeLinear", "QLinearConv", "ConvInteger", "Conv", "Relu", "MaxPool", "GlobalAveragePool",
        "Add", "Constant", "Identity", "Resize",
    ];

    private readonly GraphProto graph;
    private readonly GraphBuilder builder;
    private readonly QuantizedGraphEmitter emit;
    private readonly Dictionary<string, TensorProto> constants = [];
    private readonly Dictionary<string, QTensor> quantized;              // ONNX int tensor -> blob tensor (the emitter's)
    private readonly Dictionary<string, QTensor> dequantized = [];       // float name -> the quantized activation
    private readonly Dictionary<string, DqConstant> dqConstants = [];    // float name -> dequantized initializer
    private readonly Dictionary<string, Pending> pending = [];           // float result of a float op awaiting its Q
    private readonly Dictionary<string, ValueInfoProto> rawInputs = [];  // graph inputs not yet given a quantization
    private readonly List<NodeProto> nodes;

    public QuantizedOnnxImporter(ModelProto model, GraphBuilder builder)
    {
        graph = model.Graph ?? throw new OnnxImportException("the model has no graph.");
        this.builder = builder;
        emit = new QuantizedGraphEmitter(builder);
        quantized = emit.Tensors;
        nodes = [.. graph.Node];
        foreach (var t in graph.Initializer)
        {
            constants[t.Name] = t;
        }
        foreach (var i in graph.Input.Where(i => !constants.ContainsKey(i.Name)))
        {
            rawInputs[i.Name] = i;
        }
    }

    /// <summary>The blob's input tensor (after <see cref="Import"/>).</summary>
    public QTensor? Input { get; private set; }

    public List<string> Notes { get; } = [];

    public void Import()
    {
        var unsupported = nodes.Where(n => !IsSupported(n)).ToList();
        if (unsupported.Count > 0)
        {
            throw new OnnxImportException(
                $"{unsupported.Count} unsupported node(s): " +
                string.Join("; ", unsupported.Select(n => $"'{n.Name}' ({Op(n)})")) + ".");
        }
        if (rawInputs.Count != 1)
        {
            throw new OnnxImportException($"the model must have exactly one graph input (not an initializer); it has {rawInputs.Count}: " +
                string.Join(", ", rawInputs.Keys) + ".");
        }
        foreach (var n in nodes)
        {
            try
            {
                Visit(n);
            }
            catch (ArgumentException e)
            {
                throw new OnnxImportException($"node '{n.Name}' ({Op(n)}): {e.Message}");
            }
        }
        if (Input is null)
        {
            throw new OnnxImportException($"graph input '{rawInputs.Keys.First()}' is never quantized (no QuantizeLinear, DequantizeLinear or QLinear op reads it).");
        }
        foreach (var o in graph.Output)
        {
            if (quantized.TryGetValue(o.Name, out var q) || dequantized.TryGetValue(o.Name, out q))
            {
                builder.AddOutput(q.Id);
                if (dequantized.ContainsKey(o.Name))
                {
                    Notes.Add($"output '{o.Name}' is a DequantizeLinear: the blob outputs the quantized tensor '{builder.Tensor(q.Id).Name}' (scale {q.Scale}, zero point {q.ZeroPoint}).");
                }
            }
            else if (pending.ContainsKey(o.Name))
            {
                throw new OnnxImportException($"graph output '{o.Name}' is a float result with no QuantizeLinear after it.");
            }
            else
            {
                throw new OnnxImportException($"graph output '{o.Name}' is not a quantized tensor of the graph.");
            }
        }
    }

    private static bool IsSupported(NodeProto n) => OnnxNodes.IsDefaultDomain(n) && SupportedOps.Contains(n.OpType);

    private static string Op(NodeProto n) => OnnxNodes.Op(n);

    private static long Attr(NodeProto n, string name, long fallback) => OnnxNodes.Attr(n, name, fallback);

    private static string? At(NodeProto n, int i) => OnnxNodes.At(n, i);

    private void Visit(NodeProto n)
    {
        switch (n.OpType)
        {
            case "Constant":
                var value = n.Attribute.FirstOrDefault(a => a.Name == "value")?.T
                    ?? throw new OnnxImportException($"node '{n.Name}' (Constant): only the 'value' tensor attribute is supported.");
                value.Name = n.Output[0];
                constants[n.Output[0]] = value;
                break;
            case "Identity":
                Alias(n, n.Input[0], n.Output[0]);
                break;
            case "DequantizeLinear":
                VisitDequantize(n);
                break;
            case "QuantizeLinear":
                VisitQuantize(n);
                break;
            case "QLinearConv":
            {
                var x = Activation(n, n.Input[0], Constant(n, n.Input[1]), Constant(n, n.Input[2]));
                var w = new DqConstant(Constant(n, n.Input[3]), Constant(n, n.Input[4]), At(n, 5) is { } wz ? Constant(n, wz) : null, 0);
                var (ys, yzp, yf) = QuantParams(n, Constant(n, n.Input[6]), At(n, 7) is { } z ? Constant(n, z) : null);
                var bias = At(n, 8) is { } b ? new DqConstant(Constant(n, b), null, null, 0) : null;
                EmitConv(n, x, w, bias, relu: false, n.Output[0], ys, yzp, yf);
                break;
            }
            case "ConvInteger":
                VisitConvInteger(n);
                break;
            case "Conv":
            {
                var x = DequantizedActivation(n, n.Input[0]);
                var w = dqConstants.GetValueOrDefault(n.Input[1])
                    ?? throw new OnnxImportException($"node '{n.Name}' (Conv): weights '{n.Input[1]}' must be a DequantizeLinear of an integer initializer (a QDQ model).");
                DqConstant? bias = null;
                if (At(n, 2) is { } b)
                {
                    bias = dqConstants.GetValueOrDefault(b) ?? (constants.TryGetValue(b, out var fb) ? new DqConstant(fb, null, null, 0) : null)
                        ?? throw new OnnxImportException($"node '{n.Name}' (Conv): bias '{b}' must be a DequantizeLinear of an int32 initializer or a float initializer.");
                }
                pending[n.Output[0]] = new Pending(n, [x], (w, bias), false);
                break;
            }
            case "Relu":
            {
                if (pending.TryGetValue(n.Input[0], out var p) && p.Node.OpType is "Conv" or "Add" && !p.Relu)
                {
                    pending[n.Output[0]] = p with { Relu = true };
                }
                else
                {
                    throw new OnnxImportException($"node '{n.Name}' (Relu): supported only right after a QDQ Conv or Add (folded into its output clamp).");
                }
                break;
            }
            case "MaxPool":
            {
                if (quantized.TryGetValue(n.Input[0], out var q))
                {
                    emit.MaxPool(n, q, n.Output[0]);
                }
                else
                {
                    pending[n.Output[0]] = new Pending(n, [DequantizedActivation(n, n.Input[0])], null, false);
                }
                break;
            }
            case "GlobalAveragePool" or "Resize":
                pending[n.Output[0]] = new Pending(n, [DequantizedActivation(n, n.Input[0])], null, false);
                break;
            case "Add":
                pending[n.Output[0]] = new Pending(n, [DequantizedActivation(n, n.Input[0]), DequantizedActivation(n, n.Input[1])], null, false);
                break;
        }
    }

    /// <summary>
    /// ConvInteger: y (int32) = sum (x - x_zp)(w - w_zp), no bias, no requantization. The blob has no int32
    /// activations; the output is an int16 tensor written with multiplier exactly 1 (M0 = 2^30, n = 30:
    /// floor((acc 2^30 + 2^29) / 2^30) = acc), which is exact whenever the accumulator bound
    /// K max|x - x_zp| max|w - w_zp| fits int16; larger bounds are refused.
    /// </summary>
    private void VisitConvInteger(NodeProto n)
    {
        var xzp = At(n, 2) is { } xz ? Constant(n, xz) : null;
        var (_, zp, f) = QuantParams(n, null, xzp);
        var x = quantized.TryGetValue(n.Input[0], out var q) ? q
            : rawInputs.TryGetValue(n.Input[0], out var input) ? quantized[n.Input[0]] = CreateInput(n, input, 1f, zp, f, n.Input[0])
            : throw new OnnxImportException($"node '{n.Name}' (ConvInteger): input '{n.Input[0]}' is not an integer activation.");
        if (x.Scale != 1f || x.ZeroPoint != zp)
        {
            throw new OnnxImportException($"node '{n.Name}' (ConvInteger): input '{n.Input[0]}' is already a quantized tensor with scale {x.Scale}; ConvInteger reads raw integers.");
        }
        var wt = Constant(n, n.Input[1]);
        int m = wt.Dims.Count == 4 ? (int)wt.Dims[0] : 0;
        var wzp = At(n, 3) is { } wz ? Constant(n, wz) : null;
        var w = new DqConstant(wt, null, wzp, 0);
        long k = wt.Dims.Skip(1).Aggregate(1L, (a, d) => a * d);
        long maxX = Math.Max(zp - f.Min, f.Max - zp);
        var wValues = OnnxTensorData.Integers(wt);
        var wZeros = wzp is null ? new long[Math.Max(1, m)] : PerChannel(n, "weight zero point", OnnxTensorData.Integers(wzp), Math.Max(1, m));
        long maxW = wValues.Select((v, i) => Math.Abs(v - wZeros[m > 0 ? i / (int)Math.Max(1, wValues.Length / m) : 0])).DefaultIfEmpty(0).Max();
        if (k * maxX * maxW > short.MaxValue)
        {
            throw new OnnxImportException($"node '{n.Name}' (ConvInteger): the int32 output can reach {k} x {maxX} x {maxW} = {k * maxX * maxW}; " +
                "the blob holds it as int16 only when that bound is at most 32767.");
        }
        Notes.Add($"ConvInteger '{n.Name}': its int32 output '{n.Output[0]}' is an int16 tensor (exact: |y| <= {k * maxX * maxW}).");
        EmitConv(n, x, w, null, relu: false, n.Output[0], 1f, 0, ActivationFormat.Int16());
    }

    private void Alias(NodeProto n, string from, string to)
    {
        if (quantized.TryGetValue(from, out var q)) { quantized[to] = q; }
        else if (dequantized.TryGetValue(from, out q)) { dequantized[to] = q; }
        else if (dqConstants.TryGetValue(from, out var d)) { dqConstants[to] = d; }
        else if (pending.TryGetValue(from, out var p)) { pending[to] = p; }
        else if (constants.TryGetValue(from, out var c)) { constants[to] = c; }
        else { throw new OnnxImportException($"node '{n.Name}' (Identity): input '{from}' is not known."); }
    }

    private void VisitDequantize(NodeProto n)
    {
        string src = n.Input[0];
        if (constants.TryGetValue(src, out var c))
        {
            long axis = n.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 1;
            dqConstants[n.Output[0]] = new DqConstant(c, Constant(n, n.Input[1]), At(n, 2) is { } z ? Constant(n, z) : null, axis);
            return;
        }
        dequantized[n.Output[0]] = Activation(n, src, Constant(n, n.Input[1]), At(n, 2) is { } zp ? Constant(n, zp) : null);
    }

    private void VisitQuantize(NodeProto n)
    {
        string src = n.Input[0];
        var (scale, zp, format) = QuantParams(n, Constant(n, n.Input[1]), At(n, 2) is { } z ? Constant(n, z) : null);
        if (rawInputs.TryGetValue(src, out var input))
        {
            quantized[n.Output[0]] = CreateInput(n, input, scale, zp, format, n.Output[0]);
            Notes.Add($"input '{src}' is float with a QuantizeLinear: the blob's input is the quantized '{n.Output[0]}' (scale {scale}, zero point {zp}).");
            return;
        }
        if (dequantized.TryGetValue(src, out var dq))
        {
            // Q(DQ(t)) with a new quantization: a Requantize op (e.g. the int16 residual stream into a b-bit conv input).
            emit.Requantize(n.Name, dq, n.Output[0], scale, format);
            return;
        }
        if (!pending.Remove(src, out var p))
        {
            throw new OnnxImportException($"node '{n.Name}' (QuantizeLinear): input '{src}' is not the result of a supported QDQ op (Conv, MaxPool, GlobalAveragePool, Add).");
        }
        var x = p.Inputs[0];
        switch (p.Node.OpType)
        {
            case "Conv":
                EmitConv(p.Node, x, p.Conv!.Value.Weights, p.Conv.Value.Bias, p.Relu, n.Output[0], scale, zp, format);
                break;
            case "MaxPool":
                RequireSameQuantization(p.Node, x, scale, zp, format);
                emit.MaxPool(p.Node, x, n.Output[0]);
                break;
            case "Resize":
                RequireSameQuantization(p.Node, x, scale, zp, format);
                RequireNearest2x(p.Node);
                emit.ResizeNearest2x(p.Node, x, n.Output[0]);
                break;
            case "GlobalAveragePool":
                emit.GlobalAveragePool(p.Node, x, n.Output[0], scale, format);
                break;
            case "Add":
                emit.Add(p.Node, x, p.Inputs[1], p.Relu, n.Output[0], scale, format);
                break;
        }
    }

    /// <summary>Resize is supported as nearest-neighbour 2x upsampling (scales [1, 1, 2, 2], floor, asymmetric).</summary>
    private void RequireNearest2x(NodeProto n)
    {
        var scales = At(n, 2) is { } s ? OnnxTensorData.Floats(Constant(n, s)) : [];
        string mode = OnnxNodes.StringAttr(n, "mode") ?? "nearest", nearest = OnnxNodes.StringAttr(n, "nearest_mode") ?? "round_prefer_floor",
            coordinates = OnnxNodes.StringAttr(n, "coordinate_transformation_mode") ?? "half_pixel";
        bool scale2 = scales is [1f, 1f, 2f, 2f];
        if (!scale2 || mode != "nearest" || coordinates != "asymmetric" || nearest != "floor")
        {
            throw new OnnxImportException($"node '{n.Name}' (Resize): only nearest 2x upsampling (scales [1, 1, 2, 2], mode nearest, nearest_mode floor, " +
                $"coordinate_transformation_mode asymmetric) is supported; got scales [{string.Join(", ", scales)}], mode {mode}, nearest_mode {nearest}, {coordinates}.");
        }
    }

    private static void RequireSameQuantization(NodeProto n, QTensor x, float scale, int zp, ActivationFormat f)
    {
        if (x.Scale != scale || x.ZeroPoint != zp || x.Format.Storage != f.Storage)
        {
            throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): output quantization (scale {scale}, zero point {zp}, {f}) differs from the input's (scale {x.Scale}, zero point {x.ZeroPoint}, {x.Format}); requantizing here is not supported.");
        }
    }

    private void EmitConv(NodeProto n, QTensor x, DqConstant w, DqConstant? bias, bool relu, string output, float ys, int yzp, ActivationFormat yf)
    {
        var wt = w.Values;
        if (wt.Dims.Count != 4)
        {
            throw new OnnxImportException($"node '{n.Name}': weights '{wt.Name}' must be 4-D [M, C/group, KH, KW], got [{string.Join(", ", wt.Dims)}].");
        }
        int m = (int)wt.Dims[0], cg = (int)wt.Dims[1], kh = (int)wt.Dims[2], kw = (int)wt.Dims[3];

        // Weights: value - zero point per output channel.
        var wScales = PerChannel(n, "weight scale", w.Scales is null ? [1f] : Floats(n, w.Scales), m);
        var wZeros = w.ZeroPoints is null ? new long[m] : PerChannel(n, "weight zero point", OnnxTensorData.Integers(w.ZeroPoints), m);
        if (w.Scales is not null && OnnxTensorData.Count(w.Scales) > 1 && w.Axis != 0)
        {
            throw new OnnxImportException($"node '{n.Name}': per-channel weight quantization must be along axis 0 (output channels), not {w.Axis}.");
        }
        var type = OnnxTensorData.TypeOf(wt);
        if (type is not (DT.Int8 or DT.Uint8 or DT.Int4 or DT.Uint4 or DT.Int2 or DT.Uint2))
        {
            throw new OnnxImportException($"node '{n.Name}': weights '{wt.Name}' are {type}; int8, uint8, int4, uint4, int2 or uint2 expected.");
        }
        var raw = OnnxTensorData.Integers(wt);
        int per = raw.Length / Math.Max(1, m);
        for (int i = 0; i < raw.Length; i++) { raw[i] -= wZeros[i / per]; }
        wScales = (float[])wScales.Clone();
        var format = WeightFormat(n, wt.Name, type, raw, per, wScales);

        // Bias (int32 at scale x_scale * w_scale[o]) and multipliers x_scale * w_scale[o] / y_scale (float32, as ORT).
        var biasValues = new int[m];
        if (bias is not null)
        {
            var bt = bias.Values;
            if (OnnxTensorData.Count(bt) != m)
            {
                throw new OnnxImportException($"node '{n.Name}': bias '{bt.Name}' has {OnnxTensorData.Count(bt)} values for {m} output channels.");
            }
            if (OnnxTensorData.TypeOf(bt) == DT.Float)
            {
                var f = OnnxTensorData.Floats(bt);
                for (int o = 0; o < m; o++) { biasValues[o] = BiasInt(n, f[o] / ((double)x.Scale * wScales[o]), o); }
            }
            else
            {
                var bi = OnnxTensorData.Integers(bt);
                var bScales = bias.Scales is null ? null : PerChannel(n, "bias scale", Floats(n, bias.Scales), m);
                var bZeros = bias.ZeroPoints is null ? new long[m] : PerChannel(n, "bias zero point", OnnxTensorData.Integers(bias.ZeroPoints), m);
                for (int o = 0; o < m; o++)
                {
                    double target = (double)x.Scale * wScales[o];
                    biasValues[o] = bScales is null || Math.Abs(bScales[o] - target) <= 1e-6 * target && bZeros[o] == 0
                        ? checked((int)bi[o])
                        : BiasInt(n, bScales[o] * (double)(bi[o] - bZeros[o]) / target, o);
                }
            }
        }
        emit.Conv(n, x, new IntConvWeights(wt.Name, raw, m, cg, kh, kw, format), wScales, biasValues, relu, clampMax: null, output, ys, yf);
    }

    /// <summary>
    /// The kernels' weight format for integer weights w - zp of ONNX type <paramref name="type"/>: the
    /// type's own width (signed two's complement) when every value fits it, else the narrowest wider
    /// signed format that holds them all (uint4 with zero point 0 spans [0, 15]: stored int8; exact).
    /// When even int8 [-127, 127] does not hold a channel (uint8 weights with a far zero point, e.g.
    /// test_qlinearconv's 0 - 255), the channel is re-expressed exactly if its values share a common
    /// factor g that brings them into [-127, 127]: values / g at scale g * w_scale (the scale product is
    /// rounded to float32 once, as a scale is; noted). Otherwise the emitter refuses the weight, naming it.
    /// </summary>
    private LowBitFormat WeightFormat(NodeProto n, string name, DT type, long[] values, int per, float[] scales)
    {
        static bool Fits(long v, LowBitFormat f) => f.Bits == 8 ? v is >= -127 and <= 127 : v >= f.MinValue && v <= f.MaxValue;
        int typeBits = type switch { DT.Int2 or DT.Uint2 => 2, DT.Int4 or DT.Uint4 => 4, _ => 8 };
        // Odd levels (AQD's b-bit weights 2q - (2^b - 1), held in int4 / int8 because they need b + 1 signed bits):
        // stored in the b-bit odd-level format, exactly (docs/aqd-models.md, ONNX export convention).
        if (OnnxNodes.Attr(n, "group", 1) == 1 && values.Length > 0 && values.All(v => (v & 1) != 0))
        {
            foreach (int bits in new[] { 2, 3, 4 })
            {
                var odd = LowBitFormat.Odd(bits);
                if (odd.ContainerBits <= typeBits && values.All(v => v >= odd.MinValue && v <= odd.MaxValue))
                {
                    Notes.Add($"node '{n.Name}': {type} weights '{name}' are odd levels in [{values.Min()}, {values.Max()}]: stored as {odd}.");
                    return odd;
                }
            }
        }
        foreach (int bits in new[] { 2, 4, 8 }.Where(b => b >= typeBits))
        {
            var f = LowBitFormat.Int(bits);
            if (values.All(v => Fits(v, f)))
            {
                if (bits != typeBits)
                {
                    Notes.Add($"node '{n.Name}': {type} weights '{name}' minus their zero point span [{values.Min()}, {values.Max()}]: stored as {f}.");
                }
                return f;
            }
        }
        for (int o = 0; o * per < values.Length; o++)
        {
            var ch = values.AsSpan(o * per, per);
            long g = 0;
            foreach (long v in ch) { g = Gcd(g, Math.Abs(v)); }
            bool outside = false;
            foreach (long v in ch) { outside |= !Fits(v, LowBitFormat.Int(8)); }
            if (!outside || g <= 1)
            {
                continue;
            }
            bool fits = true;
            foreach (long v in ch) { fits &= Fits(v / g, LowBitFormat.Int(8)); }
            if (fits)
            {
                for (int i = 0; i < ch.Length; i++) { ch[i] /= g; }
                Notes.Add($"node '{n.Name}': weights '{name}' channel {o}: w - zp (outside int8) are multiples of {g}; re-expressed exactly as (w - zp) / {g} at scale {g} x {scales[o]}.");
                scales[o] = (float)(g * (double)scales[o]);
            }
        }
        return LowBitFormat.Int(8);
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    private static int BiasInt(NodeProto n, double v, int channel)
    {
        double r = Math.Round(v, MidpointRounding.ToEven);
        if (!(r >= int.MinValue && r <= int.MaxValue))
        {
            throw new OnnxImportException($"node '{n.Name}': bias of channel {channel} is {v} in accumulator units, outside int32.");
        }
        return (int)r;
    }

    private TensorProto Constant(NodeProto n, string name)
        => constants.GetValueOrDefault(name)
           ?? throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): input '{name}' must be an initializer or Constant.");

    private static float[] Floats(NodeProto n, TensorProto t)
    {
        var f = OnnxTensorData.Floats(t);
        foreach (float v in f)
        {
            if (!(v > 0) || float.IsInfinity(v))
            {
                throw new OnnxImportException($"node '{n.Name}': scale '{t.Name}' holds {v}; scales must be positive and finite.");
            }
        }
        return f;
    }

    private static T[] PerChannel<T>(NodeProto n, string what, T[] values, int channels)
        => values.Length == channels ? values
         : values.Length == 1 ? Enumerable.Repeat(values[0], channels).ToArray()
         : throw new OnnxImportException($"node '{n.Name}': {what} has {values.Length} values; 1 or {channels} (one per output channel) expected.");

    /// <summary>Scale, zero point and activation format of an activation's (scale, zero point) pair.</summary>
    private static (float Scale, int ZeroPoint, ActivationFormat Format) QuantParams(NodeProto n, TensorProto? scale, TensorProto? zeroPoint)
    {
        var s = scale is null ? [1f] : Floats(n, scale);
        if (s.Length != 1)
        {
            throw new OnnxImportException($"node '{n.Name}': activation scale '{scale!.Name}' must be one value (per-tensor), it has {s.Length}.");
        }
        if (zeroPoint is null)
        {
            return (s[0], 0, ActivationFormat.UInt8(0));
        }
        var z = OnnxTensorData.Integers(zeroPoint);
        if (z.Length != 1)
        {
            throw new OnnxImportException($"node '{n.Name}': activation zero point '{zeroPoint.Name}' must be one value, it has {z.Length}.");
        }
        return OnnxTensorData.TypeOf(zeroPoint) switch
        {
            DT.Uint8 => (s[0], (int)z[0], ActivationFormat.UInt8((int)z[0])),
            DT.Int8 => (s[0], (int)z[0], ActivationFormat.Int8((int)z[0])),
            // unsigned sub-byte activations: one value per byte, b-bit range [0, 2^b - 1] with the zero point
            DT.Uint4 => (s[0], (int)z[0], new ActivationFormat(ActivationStorage.UInt8, 4, (int)z[0])),
            DT.Uint2 => (s[0], (int)z[0], new ActivationFormat(ActivationStorage.UInt8, 2, (int)z[0])),
            // int16 (opset 21): symmetric only (the blob's int16 tensors have zero point 0), e.g. AQD's residual stream
            DT.Int16 when z[0] == 0 => (s[0], 0, ActivationFormat.Int16()),
            var t => throw new OnnxImportException($"node '{n.Name}': activations of type {t} are not supported (uint8, int8, uint4, uint2, int16 with zero point 0; " +
                "signed sub-byte activations have no blob format)."),
        };
    }

    /// <summary>The blob tensor of an integer activation read with (scale, zero point); a graph input is created here.</summary>
    private QTensor Activation(NodeProto n, string name, TensorProto scale, TensorProto? zeroPoint)
    {
        var (s, zp, f) = QuantParams(n, scale, zeroPoint);
        if (quantized.TryGetValue(name, out var q))
        {
            if (q.Scale != s || q.ZeroPoint != zp || q.Format.Storage != f.Storage)
            {
                throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): reads '{name}' with scale {s}, zero point {zp}, but it was written with scale {q.Scale}, zero point {q.ZeroPoint}.");
            }
            return q;
        }
        if (rawInputs.TryGetValue(name, out var input))
        {
            return quantized[name] = CreateInput(n, input, s, zp, f, name);
        }
        throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): input '{name}' is not a quantized activation.");
    }

    private QTensor DequantizedActivation(NodeProto n, string name)
        => dequantized.GetValueOrDefault(name)
           ?? throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): input '{name}' must come from a DequantizeLinear of an activation (QDQ form).");

    private QTensor CreateInput(NodeProto n, ValueInfoProto input, float scale, int zp, ActivationFormat f, string name)
    {
        if (Input is not null)
        {
            throw new OnnxImportException($"node '{n.Name}': graph input '{input.Name}' is quantized twice.");
        }
        var t = emit.AddInput(input, scale, f, name);
        Input = t;
        rawInputs.Remove(input.Name);
        return t;
    }

    private QTensor AddTensor(string name, ActivationFormat f, float scale, int h, int w, int c) => emit.AddTensor(name, f, scale, h, w, c);

    /// <summary>An integer initializer with its DequantizeLinear parameters (or a plain initializer: no scales).</summary>
    private sealed record DqConstant(TensorProto Values, TensorProto? Scales, TensorProto? ZeroPoints, long Axis);

    /// <summary>A float op of a QDQ graph waiting for the QuantizeLinear that gives its output quantization.</summary>
    private sealed record Pending(NodeProto Node, QTensor[] Inputs, (DqConstant Weights, DqConstant? Bias)? Conv, bool Relu);
}

/// <summary>A blob tensor and the real quantization of its integer values: real = Scale * (q - ZeroPoint).</summary>
public sealed record QTensor(int Id, float Scale, int ZeroPoint, ActivationFormat Format, int Height, int Width, int Channels);
