using AQD.Edge.Onnx.Protobuf;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Onnx;

/// <summary>A serialized single-convolution ONNX model and the names/shapes needed to run it.</summary>
public sealed record OnnxConvModel(
    string Kind, byte[] Bytes, string InputName, long[] InputShape, string OutputName, long[] OutputShape, DT OutputType);

/// <summary>
/// Builds one-node (or QDQ) ONNX models of a quantized convolution, for benchmarks and
/// cross-checks against ONNX Runtime. All take uint8 NCHW input of shape <see cref="QuantizedConvSpec.InputShape"/>.
/// </summary>
public static class QuantizedConvModels
{
    public const string InputName = "x";
    public const string OutputName = "y";

    /// <summary>
    /// QLinearConv (opset 10+): uint8 x with scale/zero point, int8 per-channel w (zero points 0),
    /// int32 bias, uint8 y. ONNX Runtime runs this as one integer conv with float requantization.
    /// </summary>
    public static OnnxConvModel QLinearConv(QuantizedConvSpec spec)
    {
        spec.Validate();
        int m = spec.Geometry.OutChannels;
        var b = new OnnxGraphBuilder("qlinearconv")
            .Input(InputName, DT.Uint8, spec.InputShape)
            .Initializer(OnnxTensors.Float("x_scale", spec.InputScale))
            .Initializer(OnnxTensors.UInt8("x_zero_point", spec.InputZeroPoint))
            .Initializer(OnnxTensors.Int8("w", spec.OnnxWeights(), spec.WeightShape))
            .Initializer(OnnxTensors.Float("w_scale", spec.WeightScales, m))
            .Initializer(OnnxTensors.Int8("w_zero_point", new sbyte[m], m))
            .Initializer(OnnxTensors.Float("y_scale", spec.OutputScale))
            .Initializer(OnnxTensors.UInt8("y_zero_point", spec.OutputZeroPoint));
        var inputs = new List<string> { InputName, "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point" };
        if (spec.Bias is not null)
        {
            b.Initializer(OnnxTensors.Int32("B", spec.Bias, m));
            inputs.Add("B");
        }
        b.Node("QLinearConv", [.. inputs], [OutputName], ConvAttributes(spec))
         .Output(OutputName, DT.Uint8, spec.OutputShape);
        return new("QLinearConv", b.ToBytes(), InputName, spec.InputShape, OutputName, spec.OutputShape, DT.Uint8);
    }

    /// <summary>
    /// ConvInteger (opset 10+): uint8 x with zero point, int8 w (zero point 0), int32 accumulator
    /// output, no bias and no requantization (so it measures the integer conv alone).
    /// </summary>
    public static OnnxConvModel ConvInteger(QuantizedConvSpec spec)
    {
        spec.Validate();
        var b = new OnnxGraphBuilder("convinteger")
            .Input(InputName, DT.Uint8, spec.InputShape)
            .Initializer(OnnxTensors.Int8("w", spec.OnnxWeights(), spec.WeightShape))
            .Initializer(OnnxTensors.UInt8("x_zero_point", spec.InputZeroPoint))
            .Node("ConvInteger", [InputName, "w", "x_zero_point"], [OutputName], ConvAttributes(spec))
            .Output(OutputName, DT.Int32, spec.OutputShape);
        return new("ConvInteger", b.ToBytes(), InputName, spec.InputShape, OutputName, spec.OutputShape, DT.Int32);
    }

    /// <summary>
    /// QDQ form (what quantization tools emit): uint8 x -> DequantizeLinear -> Conv (weights and
    /// bias each through a per-channel DequantizeLinear) -> QuantizeLinear -> uint8 y. ONNX Runtime's
    /// graph optimizer fuses it into QLinearConv; unfused it would run in float.
    /// </summary>
    public static OnnxConvModel Qdq(QuantizedConvSpec spec)
    {
        spec.Validate();
        int m = spec.Geometry.OutChannels;
        var biasScales = spec.WeightScales.Select(s => spec.InputScale * s).ToArray();
        var b = new OnnxGraphBuilder("qdq_conv")
            .Input(InputName, DT.Uint8, spec.InputShape)
            .Initializer(OnnxTensors.Float("x_scale", spec.InputScale))
            .Initializer(OnnxTensors.UInt8("x_zero_point", spec.InputZeroPoint))
            .Initializer(OnnxTensors.Int8("w", spec.OnnxWeights(), spec.WeightShape))
            .Initializer(OnnxTensors.Float("w_scale", spec.WeightScales, m))
            .Initializer(OnnxTensors.Int8("w_zero_point", new sbyte[m], m))
            .Initializer(OnnxTensors.Float("y_scale", spec.OutputScale))
            .Initializer(OnnxTensors.UInt8("y_zero_point", spec.OutputZeroPoint))
            .Node("DequantizeLinear", [InputName, "x_scale", "x_zero_point"], ["x_f"])
            .Node("DequantizeLinear", ["w", "w_scale", "w_zero_point"], ["w_f"], OnnxGraphBuilder.Int("axis", 0));
        var convInputs = new List<string> { "x_f", "w_f" };
        if (spec.Bias is not null)
        {
            b.Initializer(OnnxTensors.Int32("B", spec.Bias, m))
             .Initializer(OnnxTensors.Float("B_scale", biasScales, m))
             .Initializer(OnnxTensors.Int32("B_zero_point", new int[m], m))
             .Node("DequantizeLinear", ["B", "B_scale", "B_zero_point"], ["B_f"], OnnxGraphBuilder.Int("axis", 0));
            convInputs.Add("B_f");
        }
        b.Node("Conv", [.. convInputs], ["y_f"], ConvAttributes(spec))
         .Node("QuantizeLinear", ["y_f", "y_scale", "y_zero_point"], [OutputName])
         .Output(OutputName, DT.Uint8, spec.OutputShape);
        return new("QDQ", b.ToBytes(), InputName, spec.InputShape, OutputName, spec.OutputShape, DT.Uint8);
    }

    // kernel_shape, strides, pads (ONNX order: top, left, bottom, right), dilations, group.
    private static AttributeProto[] ConvAttributes(QuantizedConvSpec spec)
    {
        var g = spec.Geometry;
        return
        [
            OnnxGraphBuilder.Ints("kernel_shape", g.KernelH, g.KernelW),
            OnnxGraphBuilder.Ints("strides", g.StrideH, g.StrideW),
            OnnxGraphBuilder.Ints("pads", g.PadTop, g.PadLeft, g.PadBottom, g.PadRight),
            OnnxGraphBuilder.Ints("dilations", 1, 1),
            OnnxGraphBuilder.Int("group", g.Groups),
        ];
    }
}
