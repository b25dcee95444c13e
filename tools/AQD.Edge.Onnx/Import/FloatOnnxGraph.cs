using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Onnx.Import;

/// <summary>What a <see cref="FloatLayer"/> computes.</summary>
public enum FloatLayerKind { Conv, Add, MaxPool, GlobalAveragePool, Concat, ResizeNearest2x, FlattenView, ResizeBilinear, Sigmoid, ChannelSlice, RowsView }

/// <summary>Float conv parameters after BatchNormalization folding: weights [M][C/group][KH][KW], bias [M].</summary>
public sealed record FloatConv(float[] Weights, float[] Bias, int M, int Cg, int Kh, int Kw);

/// <summary>
/// One op of the fused float graph: <see cref="Output"/> is the ONNX tensor after the fused
/// BatchNormalization / Relu / Clip / LeakyRelu (the one calibration observes and the blob quantizes).
/// <see cref="LeakyAlpha"/>: a fused LeakyRelu's slope. <see cref="Slice"/>: ChannelSlice's (first, width).
/// <see cref="ResizeTo"/>: ResizeBilinear's output (height, width) and ONNX coordinate_transformation_mode;
/// the size is computed at emission when the node gives scales (Height = Width = 0, <see cref="ResizeScales"/>).
/// </summary>
public sealed record FloatLayer(FloatLayerKind Kind, NodeProto Node, string[] Inputs, string Output,
    FloatConv? Conv = null, bool Relu = false, float? ClampMax = null, long[]? ViewShape = null, int[]? ExtraPads = null,
    float? LeakyAlpha = null, (int First, int Width)? Slice = null, (int Height, int Width, string Mode)? ResizeTo = null, float[]? ResizeScales = null);

/// <summary>
/// A float ONNX model read into fused layers: Conv (groups, depthwise) with bias and a following
/// BatchNormalization folded in (w' = w * g / sqrt(v + eps), b' = (b - mean) * g / sqrt(v + eps) + beta),
/// Relu or Clip(0, max) fused as the output clamp of a Conv or Add, MaxPool, GlobalAveragePool,
/// Concat on channels, Resize nearest 2x or linear (any size, half_pixel / asymmetric / align_corners);
/// LeakyRelu fused into the preceding Conv's output stage; a Split on channels of a Conv output read only
/// by it becomes one Conv per part (weights and bias sliced, each part quantized on its own), any other
/// Split on channels one ChannelSlice per part; Sigmoid becomes a 256-entry lookup table; Reshape
/// [1, C, H, W] -> [1, C, H*W] followed by Transpose [0, 2, 1] at a graph output is a view of the NHWC
/// tensor (its bytes are already the [H*W, C] rows); an AveragePool whose kernel covers its whole unpadded input
/// (CNTK's ResNet head) is a GlobalAveragePool, checked against the input size at emission; opset-8
/// BatchNormalization (spatial = 1) folds like the later form; Flatten (axis 1) or Reshape of a 1x1xC
/// tensor (a classifier's feature vector) is a view sharing the input's blob tensor; a zero constant
/// Pad of H and W read only by Convs is added to their per-side padding; a chain of Sub / Add / Mul /
/// Div by per-channel constants right at the graph input (in-graph mean/std normalization) becomes
/// <see cref="InputAffine"/>, folded into the blob input's quantization; Identity is an alias. Any other op is reported: all
/// unsupported nodes in one <see cref="OnnxImportException"/>.
/// </summary>
public sealed class FloatOnnxGraph
{
    private static readonly HashSet<string> SupportedOps =
    [
        "Conv", "BatchNormalization", "Relu", "Clip", "Add", "MaxPool", "GlobalAveragePool", "AveragePool", "Concat", "Resize", "Flatten", "Reshape", "Pad", "Sub", "Mul", "Div", "Constant", "Identity",
        "LeakyRelu", "Split", "Sigmoid", "Transpose",
    ];

    private readonly Dictionary<string, TensorProto> constants = [];
    private readonly Dictionary<string, string> alias = [];
    private readonly Dictionary<string, List<NodeProto>> consumers = [];
    private readonly HashSet<string> graphOutputs;
    private readonly HashSet<NodeProto> fused = [];
    private readonly Dictionary<string, (string Input, int[] Pads)> padded = [];

    public FloatOnnxGraph(ModelProto model)
    {
        Model = model;
        var graph = model.Graph ?? throw new OnnxImportException("the model has no graph.");
        foreach (var t in graph.Initializer)
        {
            constants[t.Name] = t;
        }
        var inputs = graph.Input.Where(i => !constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new OnnxImportException($"the model must have exactly one graph input (not an initializer); it has {inputs.Count}: {string.Join(", ", inputs.Select(i => i.Name))}.");
        }
        Input = inputs[0];
        if (OnnxTensorData.TypeOf(new TensorProto { DataType = Input.Type?.TensorType?.ElemType ?? 0 }) != DT.Float)
        {
            throw new OnnxImportException($"graph input '{Input.Name}' is not FLOAT; use pack without --calibrate for quantized models.");
        }
        var unsupported = graph.Node.Where(n => !OnnxNodes.IsDefaultDomain(n) || !SupportedOps.Contains(n.OpType)).ToList();
        if (unsupported.Count > 0)
        {
            throw new OnnxImportException(
                $"{unsupported.Count} unsupported node(s): " +
                string.Join("; ", unsupported.Select(n => $"'{n.Name}' ({OnnxNodes.Op(n)})")) + ".");
        }
        graphOutputs = [.. graph.Output.Select(o => o.Name)];
        foreach (var n in graph.Node)
        {
            foreach (var i in n.Input.Where(i => i.Length > 0))
            {
                (consumers.TryGetValue(i, out var l) ? l : consumers[i] = []).Add(n);
            }
        }
        foreach (var n in graph.Node.Where(n => n.OpType == "Constant" && n.Attribute.FirstOrDefault(a => a.Name == "value")?.T is not null))
        {
            constants[n.Output[0]] = n.Attribute.First(a => a.Name == "value").T;
        }
        InputAffine = FoldInputNormalization();
        foreach (var n in graph.Node)
        {
            if (fused.Contains(n))
            {
                continue;
            }
            Visit(n);
        }
        Outputs = [.. graph.Output.Select(o => Resolve(o.Name))];
        var produced = Layers.Select(l => l.Output).Append(Input.Name).ToHashSet();
        foreach (var (o, name) in Outputs.Zip(graph.Output.Select(g => g.Name)))
        {
            if (!produced.Contains(o))
            {
                throw new OnnxImportException($"graph output '{name}' is not produced by a supported layer.");
            }
        }
    }

    public ModelProto Model { get; }

    /// <summary>
    /// The in-graph input normalization, if the graph input first goes through Sub / Add / Mul / Div by
    /// per-channel constants: the network sees Scale[c] * x + Offset[c] (x = the graph input), and the
    /// layers read that tensor as the blob input. Null when there is no such chain.
    /// </summary>
    public (float[] Scale, float[] Offset, string Output, NodeProto[] Nodes)? InputAffine { get; }

    public ValueInfoProto Input { get; }

    public List<FloatLayer> Layers { get; } = [];

    /// <summary>The tensors of the graph outputs (after aliasing), in order.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Every tensor calibration must observe: the layer outputs.</summary>
    public IEnumerable<string> ObservedTensors => Layers.Select(l => l.Output);

    /// <summary>Parses ONNX bytes.</summary>
    public static FloatOnnxGraph Parse(byte[] onnx, string sourceName)
    {
        try
        {
            return new FloatOnnxGraph(ModelProto.Parser.ParseFrom(onnx));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException($"{sourceName}: not an ONNX model ({e.Message}).");
        }
    }

    private string Resolve(string name) => alias.TryGetValue(name, out var a) ? Resolve(a) : name;

    private void Visit(NodeProto n)
    {
        string[] ins = [.. n.Input.Select(i => i.Length == 0 ? i : Resolve(i))];
        switch (n.OpType)
        {
            case "Constant":
                var value = n.Attribute.FirstOrDefault(a => a.Name == "value")?.T
                    ?? throw new OnnxImportException($"node '{n.Name}' (Constant): only the 'value' tensor attribute is supported.");
                constants[n.Output[0]] = value;
                break;
            case "Identity":
                alias[n.Output[0]] = ins[0];
                break;
            case "Conv":
                VisitConv(n, ins);
                break;
            case "Add":
            {
                if (ins.Length != 2 || ins.Any(constants.ContainsKey))
                {
                    throw new OnnxImportException($"node '{n.Name}' (Add): only the sum of two activations is supported (no constant operand).");
                }
                var (output, relu, clampMax, alpha) = FuseActivation(n.Output[0]);
                if (clampMax is not null || alpha is not null)
                {
                    throw new OnnxImportException($"node '{n.Name}' (Add): a {(alpha is null ? "Clip with a maximum" : "LeakyRelu")} after an Add is not supported (only Relu).");
                }
                Layers.Add(new FloatLayer(FloatLayerKind.Add, n, ins, output, Relu: relu));
                break;
            }
            case "MaxPool":
                if (n.Output.Count > 1 && n.Output[1].Length > 0)
                {
                    throw new OnnxImportException($"node '{n.Name}' (MaxPool): the Indices output is not supported.");
                }
                Layers.Add(new FloatLayer(FloatLayerKind.MaxPool, n, [ins[0]], n.Output[0]));
                break;
            case "GlobalAveragePool" or "AveragePool":
                Layers.Add(new FloatLayer(FloatLayerKind.GlobalAveragePool, n, [ins[0]], n.Output[0]));
                break;
            case "Concat":
            {
                long axis = OnnxNodes.Attr(n, "axis", 1);
                if (axis is not (1 or -3))
                {
                    throw new OnnxImportException($"node '{n.Name}' (Concat): only axis 1 (channels) is supported, not {axis}.");
                }
                Layers.Add(new FloatLayer(FloatLayerKind.Concat, n, ins, n.Output[0]));
                break;
            }
            case "Flatten":
                if (OnnxNodes.Attr(n, "axis", 1) != 1)
                {
                    throw new OnnxImportException($"node '{n.Name}' (Flatten): only axis 1 (a [1, C, 1, 1] -> [1, C] view) is supported.");
                }
                Layers.Add(new FloatLayer(FloatLayerKind.FlattenView, n, [ins[0]], n.Output[0]));
                break;
            case "Reshape":
                if (SoleConsumer(n.Output[0]) is { OpType: "Transpose" } transpose)
                {
                    var perm = OnnxNodes.Ints(transpose, "perm");
                    if (perm is not [0, 2, 1] || !graphOutputs.Contains(transpose.Output[0]))
                    {
                        throw new OnnxImportException($"node '{transpose.Name}' (Transpose): supported only as perm [0, 2, 1] after a Reshape [1, C, H*W], producing a graph output; " +
                            $"got perm [{string.Join(", ", perm ?? [])}]{(graphOutputs.Contains(transpose.Output[0]) ? "" : ", not a graph output")}.");
                    }
                    fused.Add(transpose);
                    Layers.Add(new FloatLayer(FloatLayerKind.RowsView, n, [ins[0]], transpose.Output[0], ViewShape: ReshapeTarget(n, ins)));
                    break;
                }
                Layers.Add(new FloatLayer(FloatLayerKind.FlattenView, n, [ins[0]], n.Output[0], ViewShape: ReshapeTarget(n, ins)));
                break;
            case "Transpose":
                throw new OnnxImportException($"node '{n.Name}' (Transpose): supported only as perm [0, 2, 1] right after a Reshape [1, C, H*W], producing a graph output.");
            case "Sigmoid":
                Layers.Add(new FloatLayer(FloatLayerKind.Sigmoid, n, [ins[0]], n.Output[0]));
                break;
            case "Split":
            {
                int first = 0;
                foreach (var (output, width) in SplitParts(n, ins, null))
                {
                    Layers.Add(new FloatLayer(FloatLayerKind.ChannelSlice, n, [ins[0]], output, Slice: (first, width)));
                    first += width;
                }
                break;
            }
            case "Pad":
                VisitPad(n, ins);
                break;
            case "Resize":
                if ((OnnxNodes.StringAttr(n, "mode") ?? "nearest") == "linear")
                {
                    Layers.Add(LinearResize(n, ins));
                    break;
                }
                CheckResize(n, ins);
                Layers.Add(new FloatLayer(FloatLayerKind.ResizeNearest2x, n, [ins[0]], n.Output[0]));
                break;
            case "Sub" or "Mul" or "Div":
                throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): supported only by a per-channel constant, in the chain that starts at the graph input (in-graph input normalization).");
            default: // BatchNormalization, Relu, Clip, LeakyRelu not fused into a preceding Conv / Add
                throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): supported only right after a Conv" +
                    (n.OpType == "BatchNormalization" ? " (folded into its weights and bias) whose output nothing else reads." :
                     n.OpType == "LeakyRelu" ? " whose output nothing else reads (fused into its output stage)." : " or Add (fused as its output clamp)."));
        }
    }

    private void VisitConv(NodeProto n, string[] ins)
    {
        var wt = Constant(n, ins[1]);
        if (wt.Dims.Count != 4)
        {
            throw new OnnxImportException($"node '{n.Name}': weights '{wt.Name}' must be 4-D [M, C/group, KH, KW], got [{string.Join(", ", wt.Dims)}].");
        }
        int m = (int)wt.Dims[0], cg = (int)wt.Dims[1], kh = (int)wt.Dims[2], kw = (int)wt.Dims[3];
        var w = OnnxTensorData.Floats(wt);
        var b = OnnxNodes.At(n, 2) is { } bn ? OnnxTensorData.Floats(Constant(n, Resolve(bn))) : new float[m];
        if (b.Length != m)
        {
            throw new OnnxImportException($"node '{n.Name}': bias has {b.Length} values for {m} output channels.");
        }
        string input = ins[0];
        int[]? extraPads = null;
        if (padded.TryGetValue(input, out var pad))
        {
            (input, extraPads) = pad;
            if ((OnnxNodes.StringAttr(n, "auto_pad") ?? "NOTSET") is not ("NOTSET" or ""))
            {
                throw new OnnxImportException($"node '{n.Name}' (Conv): a preceding Pad folds only into explicit pads, not auto_pad.");
            }
        }
        string output = n.Output[0];
        if (SoleConsumer(output) is { OpType: "BatchNormalization" } bnNode)
        {
            var gamma = Per(bnNode, 1, m);
            var beta = Per(bnNode, 2, m);
            var mean = Per(bnNode, 3, m);
            var variance = Per(bnNode, 4, m);
            if (OnnxNodes.Attr(bnNode, "spatial", 1) != 1)
            {
                throw new OnnxImportException($"node '{bnNode.Name}' (BatchNormalization): spatial = 0 (per-element statistics, opset < 9) is not supported.");
            }
            if (bnNode.Output.Skip(1).Any(o => o.Length > 0))
            {
                throw new OnnxImportException($"node '{bnNode.Name}' (BatchNormalization): only inference (one output) is supported, not the training outputs.");
            }
            double eps = OnnxNodes.FloatAttr(bnNode, "epsilon") ?? 1e-5f;
            int per = w.Length / m;
            for (int o = 0; o < m; o++)
            {
                double f = gamma[o] / Math.Sqrt(variance[o] + eps);
                for (int i = 0; i < per; i++) { w[o * per + i] = (float)(w[o * per + i] * f); }
                b[o] = (float)((b[o] - mean[o]) * f + beta[o]);
            }
            fused.Add(bnNode);
            output = bnNode.Output[0];
        }
        var (y, relu, clampMax, alpha) = FuseActivation(output);
        if (SoleConsumer(y) is { OpType: "Split" } split && (int)OnnxNodes.Attr(n, "group", 1) == 1)
        {
            // One conv per part: each part's output channels (weights and bias sliced) get their own quantization.
            int first = 0, per = w.Length / m;
            foreach (var (part, width) in SplitParts(split, [y, .. split.Input.Skip(1).Select(i => i.Length == 0 ? i : Resolve(i))], m))
            {
                var node = n.Clone();
                node.Name = $"{n.Name}:{part}";
                var conv = new FloatConv(w[(first * per)..((first + width) * per)], b[first..(first + width)], width, cg, kh, kw);
                Layers.Add(new FloatLayer(FloatLayerKind.Conv, node, [input], part, conv, relu, clampMax, ExtraPads: extraPads, LeakyAlpha: alpha));
                first += width;
            }
            fused.Add(split);
            return;
        }
        Layers.Add(new FloatLayer(FloatLayerKind.Conv, n, [input], y, new FloatConv(w, b, m, cg, kh, kw), relu, clampMax, ExtraPads: extraPads, LeakyAlpha: alpha));
    }

    /// <summary>
    /// The parts of a Split on channels (axis 1 of NCHW): (output, width) from the 'split' input (opset 13+),
    /// the 'split' attribute (opset &lt; 13) or equal parts; <paramref name="channels"/> checks the total when known.
    /// </summary>
    private List<(string Output, int Width)> SplitParts(NodeProto n, string[] ins, int? channels)
    {
        long axis = OnnxNodes.Attr(n, "axis", 0);
        if (axis is not (1 or -3))
        {
            throw new OnnxImportException($"node '{n.Name}' (Split): only axis 1 (channels) is supported, not {axis}.");
        }
        long[]? sizes = OnnxNodes.Ints(n, "split");
        if (ins.Length > 1 && ins[1].Length > 0)
        {
            sizes = OnnxTensorData.Integers(Constant(n, ins[1]));
        }
        int parts = n.Output.Count;
        if (sizes is null)
        {
            if (channels is not { } c || c % parts != 0)
            {
                throw new OnnxImportException($"node '{n.Name}' (Split): without split sizes the channels must be known and divisible by the {parts} outputs.");
            }
            sizes = [.. Enumerable.Repeat((long)(c / parts), parts)];
        }
        if (sizes.Length != parts || sizes.Any(v => v < 1) || channels is { } total && sizes.Sum() != total)
        {
            throw new OnnxImportException($"node '{n.Name}' (Split): sizes [{string.Join(", ", sizes)}] do not split {channels?.ToString() ?? "the"} channels into {parts} non-empty parts.");
        }
        return [.. n.Output.Zip(sizes, (o, v) => (o, (int)v))];
    }

    /// <summary>Resize mode linear (no antialias, no exclude_outside): output size from the 'sizes' or 'scales' constant input.</summary>
    private FloatLayer LinearResize(NodeProto n, string[] ins)
    {
        string coord = OnnxNodes.StringAttr(n, "coordinate_transformation_mode") ?? "half_pixel";
        if (coord is not ("half_pixel" or "pytorch_half_pixel" or "asymmetric" or "align_corners") || OnnxNodes.Attr(n, "antialias", 0) != 0
            || OnnxNodes.Attr(n, "exclude_outside", 0) != 0 || OnnxNodes.Ints(n, "axes") is not null)
        {
            throw new OnnxImportException($"node '{n.Name}' (Resize): linear is supported with half_pixel, pytorch_half_pixel, asymmetric or align_corners coordinates, " +
                $"without antialias, exclude_outside or axes; got {coord}.");
        }
        if (ins.Length > 3 && ins[3].Length > 0)
        {
            long[] sizes = OnnxTensorData.Integers(Constant(n, ins[3]));
            if (sizes.Length != 4 || sizes.Skip(2).Any(v => v < 1 || v > 1 << 15))
            {
                throw new OnnxImportException($"node '{n.Name}' (Resize): sizes must be [N, C, H, W] with H, W in [1, 32768]; got [{string.Join(", ", sizes)}].");
            }
            return new FloatLayer(FloatLayerKind.ResizeBilinear, n, [ins[0]], n.Output[0], ResizeTo: ((int)sizes[2], (int)sizes[3], coord), ViewShape: sizes);
        }
        float[]? scales = ins.Length > 2 && ins[2].Length > 0 && constants.TryGetValue(ins[2], out var st) && OnnxTensorData.Count(st) > 0 ? OnnxTensorData.Floats(st) : null;
        if (scales is not { Length: 4 } || scales[0] != 1 || scales[1] != 1 || scales.Skip(2).Any(v => !(v > 0)))
        {
            throw new OnnxImportException($"node '{n.Name}' (Resize): linear needs a constant 'sizes' input or 'scales' [1, 1, sh, sw].");
        }
        return new FloatLayer(FloatLayerKind.ResizeBilinear, n, [ins[0]], n.Output[0], ResizeTo: (0, 0, coord), ResizeScales: scales);
    }

    private (float[] Scale, float[] Offset, string Output, NodeProto[] Nodes)? FoldInputNormalization()
    {
        var dims = Input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 4 || dims[1].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
        {
            return null;
        }
        int c = (int)dims[1].DimValue;
        var scale = Enumerable.Repeat(1.0, c).ToArray();
        var offset = new double[c];
        var nodes = new List<NodeProto>();
        string cur = Input.Name;
        while (SoleConsumer(cur) is { OpType: "Sub" or "Add" or "Mul" or "Div" } n && n.Input.Count == 2)
        {
            int xi = n.Input[0] == cur ? 0 : 1;
            if (n.Input[xi] != cur || !constants.TryGetValue(n.Input[1 - xi], out var kt) || xi == 1 && n.OpType is "Sub" or "Div")
            {
                break;
            }
            var k = OnnxTensorData.Floats(kt);
            bool perChannel = k.Length == 1 || k.Length == c && kt.Dims.Count(d => d != 1) <= 1 && (kt.Dims.Count < 3 || kt.Dims[^3] == c);
            if (!perChannel)
            {
                break;
            }
            for (int ch = 0; ch < c; ch++)
            {
                double v = k.Length == 1 ? k[0] : k[ch];
                switch (n.OpType)
                {
                    case "Sub": offset[ch] -= v; break;
                    case "Add": offset[ch] += v; break;
                    case "Mul": scale[ch] *= v; offset[ch] *= v; break;
                    case "Div": scale[ch] /= v; offset[ch] /= v; break;
                }
            }
            nodes.Add(n);
            fused.Add(n);
            cur = n.Output[0];
        }
        if (nodes.Count == 0)
        {
            return null;
        }
        alias[cur] = Input.Name;
        return ([.. scale.Select(v => (float)v)], [.. offset.Select(v => (float)v)], cur, [.. nodes]);
    }

    /// <summary>
    /// A constant-mode zero Pad of H and W only (opset 2-10: 'pads' / 'value' attributes; 11+: pads and
    /// constant_value inputs), every reader of which is a Conv: remembered and added to those convs'
    /// padding (the quantized conv pads with the input zero point, i.e. real 0).
    /// </summary>
    private void VisitPad(NodeProto n, string[] ins)
    {
        string mode = OnnxNodes.StringAttr(n, "mode") ?? "constant";
        long[]? p = OnnxNodes.Ints(n, "pads");
        float value = OnnxNodes.FloatAttr(n, "value") ?? 0f;
        if (OnnxNodes.At(n, 1) is { } pn)
        {
            var t = Constant(n, Resolve(pn));
            p = t.Int64Data.Count > 0 ? [.. t.Int64Data] : [.. Enumerable.Range(0, t.RawData.Length / 8).Select(i => BitConverter.ToInt64(t.RawData.Span.Slice(i * 8, 8)))];
        }
        if (OnnxNodes.At(n, 2) is { } vn)
        {
            var v = OnnxTensorData.Floats(Constant(n, Resolve(vn)));
            value = v.Length > 0 ? v[0] : 0f;
        }
        var readers = consumers.GetValueOrDefault(n.Output[0]) ?? [];
        bool ok = mode == "constant" && value == 0 && OnnxNodes.At(n, 3) is null && p is { Length: 8 } && p[0] == 0 && p[1] == 0 && p[4] == 0 && p[5] == 0
            && p.All(v => v >= 0) && readers.Count > 0 && readers.All(r => r.OpType == "Conv" && r.Input[0] == n.Output[0]) && !graphOutputs.Contains(n.Output[0]);
        if (!ok)
        {
            throw new OnnxImportException($"node '{n.Name}' (Pad): supported only as zero constant padding of H and W (pads [0, 0, t, l, 0, 0, b, r]) read only by Convs, which absorb it; " +
                $"got mode {mode}, value {value}, pads [{string.Join(", ", p ?? [])}], read by {string.Join(", ", readers.Select(r => r.OpType))}.");
        }
        padded[n.Output[0]] = (ins[0], [(int)p![2], (int)p[3], (int)p[6], (int)p[7]]);
    }

    private float[] Per(NodeProto n, int input, int m)
    {
        var v = OnnxTensorData.Floats(Constant(n, Resolve(n.Input[input])));
        return v.Length == m ? v : throw new OnnxImportException($"node '{n.Name}' (BatchNormalization): input {input} has {v.Length} values for {m} channels.");
    }

    /// <summary>A Relu or Clip(0, max) that alone reads <paramref name="output"/> becomes the clamp; a LeakyRelu the negative-side slope.</summary>
    private (string Output, bool Relu, float? ClampMax, float? LeakyAlpha) FuseActivation(string output)
    {
        var next = SoleConsumer(output);
        if (next?.OpType == "Relu")
        {
            fused.Add(next);
            return (next.Output[0], true, null, null);
        }
        if (next?.OpType == "LeakyRelu")
        {
            float alpha = OnnxNodes.FloatAttr(next, "alpha") ?? 0.01f;
            if (!(alpha >= 0) || float.IsInfinity(alpha))
            {
                throw new OnnxImportException($"node '{next.Name}' (LeakyRelu): alpha {alpha} must be finite and non-negative.");
            }
            fused.Add(next);
            return (next.Output[0], false, null, alpha);
        }
        if (next?.OpType == "Clip")
        {
            float? lo = OnnxNodes.FloatAttr(next, "min"), hi = OnnxNodes.FloatAttr(next, "max");
            if (OnnxNodes.At(next, 1) is { } mn) { lo = OnnxTensorData.Floats(Constant(next, Resolve(mn)))[0]; }
            if (OnnxNodes.At(next, 2) is { } mx) { hi = OnnxTensorData.Floats(Constant(next, Resolve(mx)))[0]; }
            if (lo != 0)
            {
                throw new OnnxImportException($"node '{next.Name}' (Clip): only Clip(0, max) (ReLU / ReLU6) is supported, min is {lo?.ToString() ?? "absent"}.");
            }
            fused.Add(next);
            return (next.Output[0], true, hi, null);
        }
        return (output, false, null, null);
    }

    private NodeProto? SoleConsumer(string tensor)
        => !graphOutputs.Contains(tensor) && consumers.TryGetValue(tensor, out var l) && l.Count == 1 ? l[0] : null;

    private void CheckResize(NodeProto n, string[] ins)
    {
        string mode = OnnxNodes.StringAttr(n, "mode") ?? "nearest";
        string coord = OnnxNodes.StringAttr(n, "coordinate_transformation_mode") ?? "half_pixel";
        string nearest = OnnxNodes.StringAttr(n, "nearest_mode") ?? "round_prefer_floor";
        // For an exact 2x upscale, asymmetric + floor and half_pixel + round_prefer_floor both read source floor(i / 2).
        bool ok = mode == "nearest" && (coord == "asymmetric" && nearest is "floor" or "round_prefer_floor"
            || coord is "half_pixel" or "pytorch_half_pixel" && nearest == "round_prefer_floor");
        if (!ok)
        {
            throw new OnnxImportException($"node '{n.Name}' (Resize): only nearest 2x (asymmetric/floor or half_pixel/round_prefer_floor) is supported; got mode {mode}, {coord}, {nearest}.");
        }
        float[]? scales = ins.Length > 2 && ins[2].Length > 0 && constants.TryGetValue(ins[2], out var st) && OnnxTensorData.Count(st) > 0 ? OnnxTensorData.Floats(st) : null;
        if (scales is null && ins.Length == 2 && constants.TryGetValue(ins[1], out var s9) && OnnxTensorData.TypeOf(s9) == DT.Float)
        {
            scales = OnnxTensorData.Floats(s9); // opset 10: (X, scales)
        }
        if (scales is null || scales.Length != 4 || scales[0] != 1 || scales[1] != 1 || scales[2] != 2 || scales[3] != 2)
        {
            throw new OnnxImportException($"node '{n.Name}' (Resize): scales must be the constant [1, 1, 2, 2] (given as the 'scales' input).");
        }
    }

    /// <summary>Reshape's target: the constant 'shape' input (opset 5+) or the 'shape' attribute (opset 1-4).</summary>
    private long[] ReshapeTarget(NodeProto n, string[] ins)
    {
        if (ins.Length > 1 && ins[1].Length > 0)
        {
            var t = Constant(n, ins[1]);
            return OnnxTensorData.TypeOf(t) == DT.Int64 ? (t.Int64Data.Count > 0 ? [.. t.Int64Data] : [.. Enumerable.Range(0, t.RawData.Length / 8).Select(i => BitConverter.ToInt64(t.RawData.Span.Slice(i * 8, 8)))])
                : throw new OnnxImportException($"node '{n.Name}' (Reshape): the shape input must be an int64 constant.");
        }
        return OnnxNodes.Ints(n, "shape") ?? throw new OnnxImportException($"node '{n.Name}' (Reshape): no shape input or attribute.");
    }

    private TensorProto Constant(NodeProto n, string name)
        => constants.GetValueOrDefault(name)
           ?? throw new OnnxImportException($"node '{n.Name}' ({n.OpType}): input '{name}' must be an initializer or Constant.");

    /// <summary>
    /// The same network with BatchNormalization folded into the convs and Relu/Clip kept as separate
    /// nodes: a float ONNX model whose outputs are the fused layers' outputs (for checking the folding).
    /// </summary>
    public byte[] ToFoldedOnnx()
    {
        var g = new GraphProto { Name = Model.Graph.Name + "_folded" };
        g.Input.Add(Input);
        string Feed(string name) => name == Input.Name && InputAffine is { } a ? a.Output : name;
        if (InputAffine is { } affine)
        {
            foreach (var n in affine.Nodes)
            {
                foreach (var i in n.Input.Where(i => constants.ContainsKey(i) && g.Initializer.All(t => t.Name != i)))
                {
                    var t = constants[i].Clone();
                    t.Name = i;
                    g.Initializer.Add(t);
                }
                g.Node.Add(n.Clone());
            }
        }
        foreach (var l in Layers)
        {
            string y = l.Output;
            if (l.Kind == FloatLayerKind.Conv)
            {
                var c = l.Conv!;
                string p = l.Node.Name + "_folded";
                g.Initializer.Add(OnnxTensors.Float(p + "_w", c.Weights, c.M, c.Cg, c.Kh, c.Kw));
                g.Initializer.Add(OnnxTensors.Float(p + "_b", c.Bias, c.M));
                var conv = new NodeProto { OpType = "Conv", Name = p };
                conv.Input.AddRange([Feed(l.Inputs[0]), p + "_w", p + "_b"]);
                conv.Output.Add(l.Relu || l.LeakyAlpha is not null ? p + "_pre" : y);
                conv.Attribute.AddRange(l.Node.Attribute.Where(a => l.ExtraPads is null || a.Name != "pads"));
                if (l.ExtraPads is { } extra)
                {
                    var own = OnnxNodes.Ints(l.Node, "pads") ?? [0, 0, 0, 0];
                    conv.Attribute.Add(OnnxGraphBuilder.Ints("pads", [.. own.Zip(extra, (a, e) => a + e)]));
                }
                g.Node.Add(conv);
                if (l.LeakyAlpha is { } alpha)
                {
                    var leaky = new NodeProto { OpType = "LeakyRelu", Name = p + "_act" };
                    leaky.Input.Add(p + "_pre");
                    leaky.Output.Add(y);
                    leaky.Attribute.Add(new AttributeProto { Name = "alpha", F = alpha, Type = AttributeProto.Types.AttributeType.Float });
                    g.Node.Add(leaky);
                }
                if (l.Relu)
                {
                    var act = new NodeProto { OpType = l.ClampMax is null ? "Relu" : "Clip", Name = p + "_act" };
                    act.Input.Add(p + "_pre");
                    if (l.ClampMax is { } mx)
                    {
                        g.Initializer.Add(OnnxTensors.Float(p + "_min", 0f));
                        g.Initializer.Add(OnnxTensors.Float(p + "_max", mx));
                        act.Input.AddRange([p + "_min", p + "_max"]);
                    }
                    act.Output.Add(y);
                    g.Node.Add(act);
                }
                continue;
            }
            if (l.Kind == FloatLayerKind.ChannelSlice)
            {
                var (first, width) = l.Slice!.Value;
                string p = $"{l.Node.Name}_{l.Output}_slice";
                g.Initializer.Add(OnnxTensors.Int64(p + "_starts", [(long)first], 1));
                g.Initializer.Add(OnnxTensors.Int64(p + "_ends", [(long)(first + width)], 1));
                g.Initializer.Add(OnnxTensors.Int64(p + "_axes", [1L], 1));
                var slice = new NodeProto { OpType = "Slice", Name = p };
                slice.Input.AddRange([Feed(l.Inputs[0]), p + "_starts", p + "_ends", p + "_axes"]);
                slice.Output.Add(y);
                g.Node.Add(slice);
                continue;
            }
            var copy = l.Node.Clone();
            copy.Input.Clear();
            copy.Input.AddRange(l.Inputs.Select(Feed));
            foreach (var extra in l.Node.Input.Skip(l.Inputs.Length).Where(i => i.Length > 0).Select(Resolve))
            {
                if (g.Initializer.All(t => t.Name != extra))
                {
                    var t = constants[extra].Clone();
                    t.Name = extra;
                    g.Initializer.Add(t);
                }
            }
            copy.Input.AddRange(l.Node.Input.Skip(l.Inputs.Length).Select(i => i.Length == 0 ? i : Resolve(i)));
            if (l.Relu)
            {
                copy.Output.Clear();
                copy.Output.Add(l.Node.Name + "_pre");
                g.Node.Add(copy);
                var relu = new NodeProto { OpType = "Relu", Name = l.Node.Name + "_relu" };
                relu.Input.Add(l.Node.Name + "_pre");
                relu.Output.Add(y);
                g.Node.Add(relu);
            }
            else
            {
                g.Node.Add(copy);
            }
            if (l.Kind == FloatLayerKind.RowsView)
            {
                var transpose = new NodeProto { OpType = "Transpose", Name = l.Node.Name + "_T" };
                transpose.Input.Add(copy.Output[0]);
                transpose.Output.Add(y);
                transpose.Attribute.Add(OnnxGraphBuilder.Ints("perm", [0, 2, 1]));
                g.Node.Add(transpose);
            }
        }
        foreach (var o in ObservedTensors)
        {
            g.Output.Add(new ValueInfoProto { Name = o, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DT.Float } } });
        }
        var m = new ModelProto { IrVersion = Model.IrVersion, ProducerName = "AQD.Edge.Onnx", Graph = g };
        m.OpsetImport.AddRange(Model.OpsetImport);
        return m.ToByteArray();
    }
}
