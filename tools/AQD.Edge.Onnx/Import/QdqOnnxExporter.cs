using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;

namespace AQD.Edge.Onnx.Import;

/// <summary>
/// Exports the int8 network that pack-model built from a float ONNX model as a QDQ ONNX model, so
/// ONNX Runtime can run the SAME quantized network with its own int8 kernels (benchmarks): the
/// float graph with BatchNormalization folded (<see cref="FloatOnnxGraph.ToFoldedOnnx"/>) plus
/// QuantizeLinear -> DequantizeLinear after every activation the blob quantizes, with the blob's
/// calibrated scale and zero point (read from the blob's tensors by name), and each Conv's weights
/// as int8 per output channel (scale max|w| / 127, round half to even, the pack rule) and its bias
/// as int32 at s_in * s_w[c], each behind a per-axis DequantizeLinear. ONNX Runtime's QDQ
/// transformers then fuse DQ -> Conv (-> Relu/Clip) -> Q into QLinearConv, Add into QLinearAdd,
/// pooling and concat into their QLinear forms; a LeakyRelu the blob fused into its conv gets a
/// quantized pre-activation (<see cref="LeakyReluInput"/>) so ORT can use QLinearConv and
/// QLinearLeakyRelu. The default-domain opset is raised to 13
/// (per-axis DequantizeLinear). Only 8-bit (uint8) activations can be expressed.
/// </summary>
public static class QdqOnnxExporter
{
    /// <param name="graph">The float model as pack-model read it.</param>
    /// <param name="blob">The graph of the blob packed from it (same tensor names).</param>
    /// <exception cref="OnnxImportException">A Conv's input has no 8-bit quantization in the blob.</exception>
    public static byte[] Export(FloatOnnxGraph graph, ModelGraph blob)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(blob);
        var folded = ModelProto.Parser.ParseFrom(graph.ToFoldedOnnx());
        string blobInput = blob.Tensors[blob.Inputs[0]].Name ?? graph.Input.Name;
        var quant = new Dictionary<string, (float Scale, int ZeroPoint)>();
        foreach (var t in blob.Tensors)
        {
            if (t.Name is { } name && t.Format.Storage == ActivationStorage.UInt8 && t.Format.Bits == 8)
            {
                quant[name == blobInput && graph.InputAffine is { } a ? a.Output : name] = (BitConverter.UInt32BitsToSingle(t.ScaleBits), t.Format.ZeroPoint);
            }
        }
        var src = folded.Graph;
        foreach (var n in src.Node.Where(n => n.OpType == "LeakyRelu" && !quant.ContainsKey(n.Input[0])))
        {
            if (quant.TryGetValue(n.Output[0], out var y))
            {
                quant[n.Input[0]] = LeakyReluInput(y, n.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 0.01f);
            }
        }
        var initializers = src.Initializer.ToDictionary(i => i.Name);
        var g = new GraphProto { Name = src.Name.Replace("_folded", "_qdq", StringComparison.Ordinal) };
        g.Input.AddRange(src.Input);
        var emitted = new HashSet<string>();

        void QuantizeAfter(string tensor)
        {
            if (!quant.TryGetValue(tensor, out var q) || !emitted.Add(tensor))
            {
                return;
            }
            g.Initializer.Add(OnnxTensors.Float(tensor + "_qs", q.Scale));
            g.Initializer.Add(OnnxTensors.UInt8(tensor + "_qzp", (byte)q.ZeroPoint));
            g.Node.Add(Node("QuantizeLinear", tensor + "_q", [tensor, tensor + "_qs", tensor + "_qzp"], tensor + "_q"));
            g.Node.Add(Node("DequantizeLinear", tensor + "_dq", [tensor + "_q", tensor + "_qs", tensor + "_qzp"], tensor + "_dq"));
        }
        string Read(string tensor) => emitted.Contains(tensor) ? tensor + "_dq" : tensor;

        foreach (var i in src.Input)
        {
            QuantizeAfter(i.Name);
        }
        var used = new HashSet<string>();
        foreach (var n in src.Node)
        {
            var copy = n.Clone();
            copy.Input.Clear();
            copy.Input.AddRange(n.Input.Select(Read));
            if (n.OpType == "Conv" && n.Input.Count >= 2 && initializers.TryGetValue(n.Input[1], out var w) && w.DataType == (int)TensorProto.Types.DataType.Float)
            {
                if (!quant.TryGetValue(n.Input[0], out var x))
                {
                    throw new OnnxImportException($"node '{n.Name}' (Conv): its input '{n.Input[0]}' has no 8-bit quantization in the blob.");
                }
                var b = n.Input.Count > 2 && initializers.TryGetValue(n.Input[2], out var bt) ? OnnxTensorData.Floats(bt) : null;
                copy.Input[1] = QuantizedWeights(g, n.Input[1], w, x.Scale, b, out string bias);
                if (b is not null)
                {
                    copy.Input[2] = bias;
                }
            }
            foreach (var i in copy.Input.Where(initializers.ContainsKey))
            {
                if (used.Add(i))
                {
                    g.Initializer.Add(initializers[i]);
                }
            }
            g.Node.Add(copy);
            foreach (var o in n.Output)
            {
                QuantizeAfter(o);
            }
        }
        foreach (var o in graph.Outputs)
        {
            g.Output.Add(new ValueInfoProto
            {
                Name = Read(o),
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }
        var model = new ModelProto { IrVersion = Math.Max(folded.IrVersion, OnnxGraphBuilder.DefaultIrVersion), ProducerName = "AQD.Edge.Onnx QDQ export", Graph = g };
        bool hasDefault = false;
        foreach (var op in folded.OpsetImport)
        {
            var o = op.Clone();
            if (string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx")
            {
                o.Version = Math.Max(o.Version, OnnxGraphBuilder.DefaultOpset);
                hasDefault = true;
            }
            model.OpsetImport.Add(o);
        }
        if (!hasDefault)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxGraphBuilder.DefaultOpset });
        }
        return model.ToByteArray();
    }

    /// <summary>
    /// Our blob fuses LeakyReLU into the conv (no quantized pre-activation tensor); ONNX Runtime
    /// fuses Q/DQ only around each op (QLinearConv, then QLinearLeakyRelu), so the pre-activation
    /// gets the quantization that maps onto the output range [lo, hi] through the activation:
    /// [lo / alpha, hi].
    /// </summary>
    private static (float Scale, int ZeroPoint) LeakyReluInput((float Scale, int ZeroPoint) y, float alpha)
    {
        double lo = -y.ZeroPoint * (double)y.Scale, hi = (255 - y.ZeroPoint) * (double)y.Scale;
        double preLo = alpha > 0 ? Math.Min(lo / alpha, 0) : lo;
        double scale = Math.Max(hi - preLo, 1e-6) / 255;
        return ((float)scale, (int)Math.Clamp(Math.Round(-preLo / scale), 0, 255));
    }

    /// <summary>Adds int8 per-channel weights (and int32 bias) with their DequantizeLinear nodes; returns the dequantized weight name.</summary>
    private static string QuantizedWeights(GraphProto g, string name, TensorProto w, float inputScale, float[]? bias, out string biasName)
    {
        var values = OnnxTensorData.Floats(w);
        var dims = w.Dims.ToArray();
        int m = (int)dims[0], per = values.Length / m;
        var q = new sbyte[values.Length];
        var scales = new float[m];
        var biasQ = new int[m];
        var biasScales = new float[m];
        for (int o = 0; o < m; o++)
        {
            var row = values.AsSpan(o * per, per);
            float maxAbs = 0;
            foreach (float v in row)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(v));
            }
            float s = maxAbs > 0 ? maxAbs / 127f : 1e-8f;
            scales[o] = s;
            for (int i = 0; i < per; i++)
            {
                q[o * per + i] = (sbyte)Math.Clamp(Math.Round(row[i] / (double)s, MidpointRounding.ToEven), -127, 127);
            }
            biasScales[o] = (float)((double)inputScale * s);
            biasQ[o] = bias is null ? 0 : (int)Math.Clamp(Math.Round(bias[o] / ((double)inputScale * s), MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        }
        g.Initializer.Add(OnnxTensors.Int8(name + "_q", q, dims));
        g.Initializer.Add(OnnxTensors.Float(name + "_s", scales, m));
        g.Initializer.Add(OnnxTensors.Int8(name + "_zp", new sbyte[m], m));
        g.Node.Add(Node("DequantizeLinear", name + "_dq", [name + "_q", name + "_s", name + "_zp"], name + "_dq", axis: 0));
        biasName = name + "_bias_dq";
        if (bias is not null)
        {
            g.Initializer.Add(OnnxTensors.Int32(name + "_bias_q", biasQ, m));
            g.Initializer.Add(OnnxTensors.Float(name + "_bias_s", biasScales, m));
            g.Initializer.Add(OnnxTensors.Int32(name + "_bias_zp", new int[m], m));
            g.Node.Add(Node("DequantizeLinear", biasName, [name + "_bias_q", name + "_bias_s", name + "_bias_zp"], biasName, axis: 0));
        }
        return name + "_dq";
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output, long? axis = null)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        if (axis is { } a)
        {
            n.Attribute.Add(OnnxGraphBuilder.Int("axis", a));
        }
        return n;
    }
}
