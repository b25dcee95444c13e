using System.Globalization;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Aqd;

/// <summary>
/// Exports a lowered <see cref="AqdNetwork"/> as a QDQ ONNX model following the convention of
/// docs/aqd-models.md ("ONNX export convention"): every network tensor T is the integer output of a
/// QuantizeLinear named T (uint2 / uint4 / uint8 b-bit activations with scale clip / (2^b - 1) and zero
/// point 0, int16 for the residual stream and FPN sums, int8 / uint8 head outputs), read back through a
/// DequantizeLinear named "T.dq"; conv weights are ONE integer initializer per weight set (int4 for 2- and
/// 3-bit odd levels, int8 for 4-bit odd levels and 8-bit weights) and each conv node (one per pyramid level
/// for multi-level BN) has its own DequantizeLinear of it with per-output-channel scales Gain_c s_w (the
/// folded BN, and the FCOS level scale) and its own int32 bias through a DequantizeLinear at
/// s_in Gain_c s_w. The graph input "image" is the real input [1, 3, H, W] = BGR pixel - zero point (the
/// integer mean), quantized with scale 1 and that zero point (so the blob's uint8 input is the pixel byte);
/// the graph outputs are the integer head codes. Opset 21 (int4 / uint4 / int16 QDQ), 25 when a 2-bit activation (uint2) occurs.
/// </summary>
public static class AqdQdqExporter
{
    /// <summary>The float graph input: BGR pixel values minus the input zero point, NCHW.</summary>
    public const string InputName = "image";

    public static byte[] Export(AqdNetwork net) => Build(net).ToByteArray();

    public static ModelProto Build(AqdNetwork net)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (!net.Lowered)
        {
            throw new InvalidOperationException("the network must be lowered first.");
        }
        var o = net.Options;
        var b = new OnnxGraphBuilder(o.ModelName);
        bool uint2 = false;
        b.Input(InputName, DT.Float, 1, 3, o.InputHeight, o.InputWidth);
        Quantize(b, InputName, net.Input, ref uint2);
        var weights = new HashSet<AqdWeights>();
        foreach (var node in net.Nodes)
        {
            string x = node.Inputs[0].Name + ".dq";
            string y = node.Name + ".y";
            switch (node)
            {
                case AqdConv c:
                    ConvNode(b, c, weights.Add(c.Weights), x, y);
                    break;
                case AqdAdd a:
                    b.Node("Add", [x, a.Inputs[1].Name + ".dq"], [a.Relu ? y + ".sum" : y]);
                    if (a.Relu)
                    {
                        b.Node("Relu", [y + ".sum"], [y]);
                    }
                    break;
                case AqdMaxPool:
                    b.Node("MaxPool", [x], [y], OnnxGraphBuilder.Ints("kernel_shape", 3, 3), OnnxGraphBuilder.Ints("strides", 2, 2),
                        OnnxGraphBuilder.Ints("pads", 1, 1, 1, 1));
                    break;
                case AqdUpsample:
                    b.Initializer(OnnxTensors.Float(node.Name + ".scales", [1f, 1f, 2f, 2f], 4));
                    b.Node("Resize", [x, "", node.Name + ".scales"], [y], OnnxGraphBuilder.Str("mode", "nearest"),
                        OnnxGraphBuilder.Str("nearest_mode", "floor"), OnnxGraphBuilder.Str("coordinate_transformation_mode", "asymmetric"));
                    break;
                case AqdRequantize:
                    y = x; // a Requantize is a QuantizeLinear of the dequantized higher-precision tensor
                    break;
                default:
                    throw new InvalidOperationException($"{node.Name}: unknown node {node.GetType().Name}.");
            }
            Quantize(b, y, node.Output, ref uint2);
        }
        foreach (var output in net.Outputs)
        {
            var t = output.Tensor;
            b.Output(t.Name, TypeOf(t.Format), 1, t.Channels, t.Height, t.Width);
        }
        long opset = uint2 ? 25 : 21;
        var model = b.Build(opset, uint2 ? 11 : 10);
        model.ProducerName = "AQD.Edge.Aqd";
        foreach (var (k, v) in MetadataProps(net))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        }
        return model;
    }

    /// <summary>The ONNX integer type of an activation format (b-bit unsigned: uint2 / uint4 / uint8).</summary>
    public static DT TypeOf(ActivationFormat f) => f.Storage switch
    {
        ActivationStorage.Int16 => DT.Int16,
        ActivationStorage.Int8 => DT.Int8,
        _ when f.Bits == 8 => DT.Uint8,
        _ when f.Bits == 4 && f.ZeroPoint == 0 => DT.Uint4,
        _ when f.Bits == 2 && f.ZeroPoint == 0 => DT.Uint2,
        _ => throw new NotSupportedException($"activation format {f}: ONNX has no uint3; 3-bit activations are not expressible as one QuantizeLinear " +
            "(docs/aqd-models.md, ONNX export convention)."),
    };

    /// <summary>
    /// The ONNX type holding a weight set's integer levels exactly: odd levels 2q - (2^b - 1) span
    /// [-(2^b - 1), 2^b - 1] and need b + 1 signed bits: int4 for b = 2, 3; int8 for b = 4; int8 [-127, 127] at 8 bits.
    /// </summary>
    public static DT WeightTypeOf(LowBitFormat f) => f.Encoding == LowBitEncoding.OddLevel && f.Bits <= 3 ? DT.Int4 : DT.Int8;

    /// <summary>QuantizeLinear(<paramref name="real"/>) -> t.Name, then DequantizeLinear -> t.Name + ".dq".</summary>
    private static void Quantize(OnnxGraphBuilder b, string real, AqdTensor t, ref bool uint2)
    {
        var type = TypeOf(t.Format);
        uint2 |= type == DT.Uint2;
        string s = t.Name + ".scale", z = t.Name + ".zero_point";
        b.Initializer(OnnxTensors.Float(s, (float)t.Scale));
        b.Initializer(Scalar(z, type, t.ZeroPoint));
        b.Node("QuantizeLinear", [real, s, z], [t.Name]);
        b.Node("DequantizeLinear", [t.Name, s, z], [t.Name + ".dq"]);
    }

    private static TensorProto Scalar(string name, DT type, int value) => type switch
    {
        DT.Uint8 => OnnxTensors.UInt8(name, (byte)value),
        DT.Int8 => OnnxTensors.Int8(name, [(sbyte)value]),
        DT.Int16 => Int16(name, [(short)value]),
        _ => OnnxTensors.SubByte(name, type, [value]),
    };

    private static TensorProto Int16(string name, short[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DT.Int16, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>
    /// One conv: the shared integer weight initializer (written with the first node of its weight set),
    /// this node's DequantizeLinear with scales Gain_c s_w (axis 0), the int32 bias at s_in Gain_c s_w, Conv, Relu.
    /// </summary>
    private static void ConvNode(OnnxGraphBuilder b, AqdConv c, bool firstUse, string x, string y)
    {
        var w = c.Weights;
        int k = w.Kernel, cin = w.InChannels, cout = w.OutChannels;
        string wName = w.Name + ".weight";
        if (firstUse)
        {
            var oihw = new int[w.Levels.Length];
            for (int oc = 0; oc < cout; oc++)
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++)
                    {
                        for (int ic = 0; ic < cin; ic++)
                        {
                            oihw[((oc * cin + ic) * k + ky) * k + kx] = w.Levels[((oc * k + ky) * k + kx) * cin + ic];
                        }
                    }
                }
            }
            var type = WeightTypeOf(w.Format);
            b.Initializer(type == DT.Int8
                ? OnnxTensors.Int8(wName, [.. oihw.Select(v => (sbyte)v)], cout, cin, k, k)
                : OnnxTensors.SubByte(wName, type, oihw, cout, cin, k, k));
        }
        float sIn = (float)c.Inputs[0].Scale;
        var wScale = new float[cout];
        var bScale = new float[cout];
        for (int oc = 0; oc < cout; oc++)
        {
            wScale[oc] = (float)(c.Gain[oc] * w.Scale);
            bScale[oc] = (float)((double)sIn * wScale[oc]);
        }
        string n = c.Name;
        b.Initializer(OnnxTensors.Float(n + ".weight_scale", wScale, cout));
        b.Node("DequantizeLinear", [wName, n + ".weight_scale"], [n + ".weight.dq"], OnnxGraphBuilder.Int("axis", 0));
        b.Initializer(OnnxTensors.Int32(n + ".bias", c.Bias, cout));
        b.Initializer(OnnxTensors.Float(n + ".bias_scale", bScale, cout));
        b.Node("DequantizeLinear", [n + ".bias", n + ".bias_scale"], [n + ".bias.dq"], OnnxGraphBuilder.Int("axis", 0));
        AqdOnnxExporter.ConvRelu(b, c, x, n + ".weight.dq", n + ".bias.dq", y);
    }

    /// <summary>The blob writer's detector and policy metadata as metadata_props (<see cref="OnnxMetadataProps"/>).</summary>
    private static IEnumerable<(string, string)> MetadataProps(AqdNetwork net)
    {
        var m = AqdBlobWriter.Metadata(net.Options, net.Source, null);
        var d = m.Detector;
        static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        static IEnumerable<(string, string)> List(string key, IReadOnlyList<int>? v) => v is null ? [] : [(key, string.Join(",", v.Select(I)))];
        yield return (OnnxMetadataProps.Family, d.Family);
        yield return (OnnxMetadataProps.NumClasses, I(d.NumClasses));
        foreach (var kv in List(OnnxMetadataProps.Strides, d.Strides)
            .Concat(List(OnnxMetadataProps.AnchorSizes, d.AnchorSizes))
            .Concat(List(OnnxMetadataProps.AnchorRatiosPermille, d.AnchorRatiosPermille))
            .Concat(List(OnnxMetadataProps.AnchorScalesPermille, d.AnchorScalesPermille))
            .Concat(d.ScoreThresholdPermille is { } t ? [(OnnxMetadataProps.ScoreThresholdPermille, I(t))] : [])
            .Concat(d.IouThresholdPermille is { } u ? [(OnnxMetadataProps.IouThresholdPermille, I(u))] : [])
            .Concat(d.MaxDetections is { } x ? [(OnnxMetadataProps.MaxDetections, I(x))] : []))
        {
            yield return kv;
        }
        yield return (OnnxMetadataProps.BitPolicy, m.BitPolicy.Shorthand ?? "");
        yield return (OnnxMetadataProps.WeightBits, I(m.BitPolicy.WeightBits));
        yield return (OnnxMetadataProps.ColorOrder, m.Preprocessing.ColorOrder);
        yield return (OnnxMetadataProps.Outputs, string.Join(",", net.Outputs.Select(x => $"{x.Role}@P{x.Level + 3}")));
    }
}
