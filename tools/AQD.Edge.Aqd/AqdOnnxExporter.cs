using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Protobuf;

namespace AQD.Edge.Aqd;

/// <summary>
/// Exports the float network of a lowered <see cref="AqdNetwork"/> as ONNX (opset 13, NCHW float32),
/// so ONNX Runtime can run the same network: input "input" [1, 3, H, W] = BGR pixel values 0..255
/// (the zero point is subtracted in the graph); every conv with its folded (snapped) BN as weights
/// Gain_c * s_w * w and bias Offset_c, then Relu where the node has one; Add (+ Relu), MaxPool
/// 3x3/2 pad 1, Resize nearest 2x; the quantizers are left out (a Requantize node is an identity).
/// Tensor names are the network's (= the blob's) tensor names; outputs are the head outputs in
/// blob order. Multi-level BN makes one Conv per level with its own folded weights.
/// </summary>
public static class AqdOnnxExporter
{
    public static byte[] Export(AqdNetwork net)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (!net.Lowered)
        {
            throw new InvalidOperationException("the network must be lowered first.");
        }
        var o = net.Options;
        var b = new OnnxGraphBuilder(o.ModelName);
        b.Input("pixels", TensorProto.Types.DataType.Float, 1, 3, o.InputHeight, o.InputWidth);
        b.Initializer(OnnxTensors.Float("input_zero_point", (float)o.InputZeroPoint));
        b.Node("Sub", ["pixels", "input_zero_point"], [net.Input.Name]);
        var names = new Dictionary<AqdTensor, string> { [net.Input] = net.Input.Name };
        foreach (var node in net.Nodes)
        {
            string x = names[node.Inputs[0]];
            string y = node.Output.Name;
            switch (node)
            {
                case AqdConv c:
                {
                    var (w, bias) = Folded(c);
                    int k = c.Weights.Kernel;
                    b.Initializer(OnnxTensors.Float(y + ".weight", w, c.Output.Channels, c.Weights.InChannels, k, k));
                    b.Initializer(OnnxTensors.Float(y + ".bias", bias, c.Output.Channels));
                    ConvRelu(b, c, x, y + ".weight", y + ".bias", y);
                    break;
                }
                case AqdAdd a:
                {
                    string sum = a.Relu ? y + ".sum" : y;
                    b.Node("Add", [x, names[a.Inputs[1]]], [sum]);
                    if (a.Relu)
                    {
                        b.Node("Relu", [sum], [y]);
                    }
                    break;
                }
                case AqdMaxPool:
                    b.Node("MaxPool", [x], [y], OnnxGraphBuilder.Ints("kernel_shape", 3, 3), OnnxGraphBuilder.Ints("strides", 2, 2),
                        OnnxGraphBuilder.Ints("pads", 1, 1, 1, 1));
                    break;
                case AqdUpsample:
                    b.Initializer(OnnxTensors.Float(y + ".scales", [1f, 1f, 2f, 2f], 4));
                    b.Node("Resize", [x, "", y + ".scales"], [y], OnnxGraphBuilder.Str("mode", "nearest"),
                        OnnxGraphBuilder.Str("nearest_mode", "floor"), OnnxGraphBuilder.Str("coordinate_transformation_mode", "asymmetric"));
                    break;
                case AqdRequantize:
                    names[node.Output] = x; // the float network has no quantizer
                    continue;
                default:
                    throw new InvalidOperationException($"{node.Name}: unknown node {node.GetType().Name}.");
            }
            names[node.Output] = y;
        }
        foreach (var output in net.Outputs)
        {
            var t = output.Tensor;
            b.Output(names[t], TensorProto.Types.DataType.Float, 1, t.Channels, t.Height, t.Width);
        }
        return b.ToBytes();
    }

    /// <summary>Weights [cout][cin][k][k] = Gain_c s_w w (from NHWC-order levels [cout][k][k][cin]) and bias Offset_c.</summary>
    /// <summary>The Conv node of <paramref name="c"/> (square kernel, symmetric padding) writing <paramref name="y"/>, through a Relu when the conv has one; shared by both exporters.</summary>
    internal static void ConvRelu(OnnxGraphBuilder b, AqdConv c, string x, string weight, string bias, string y)
    {
        int k = c.Weights.Kernel;
        string conv = c.Relu ? y + ".conv" : y;
        b.Node("Conv", [x, weight, bias], [conv],
            OnnxGraphBuilder.Ints("kernel_shape", k, k), OnnxGraphBuilder.Ints("strides", c.Stride, c.Stride),
            OnnxGraphBuilder.Ints("pads", c.Pad, c.Pad, c.Pad, c.Pad));
        if (c.Relu)
        {
            b.Node("Relu", [conv], [y]);
        }
    }

    private static (float[] Weights, float[] Bias) Folded(AqdConv c)
    {
        var w = c.Weights;
        int k = w.Kernel, cin = w.InChannels, cout = w.OutChannels;
        var weights = new float[w.Levels.Length];
        var bias = new float[cout];
        for (int oc = 0; oc < cout; oc++)
        {
            double g = c.Gain[oc] * w.Scale;
            bias[oc] = (float)c.Offset[oc];
            for (int ky = 0; ky < k; ky++)
            {
                for (int kx = 0; kx < k; kx++)
                {
                    for (int ic = 0; ic < cin; ic++)
                    {
                        weights[((oc * cin + ic) * k + ky) * k + kx] = (float)(g * w.Levels[((oc * k + ky) * k + kx) * cin + ic]);
                    }
                }
            }
        }
        return (weights, bias);
    }
}
