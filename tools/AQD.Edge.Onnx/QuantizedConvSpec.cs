using AQD.Edge.Kernels.Conv;

namespace AQD.Edge.Onnx;

/// <summary>
/// A quantized 2-D convolution as ONNX's QLinearConv sees it: uint8 input (scale, zero point),
/// int8 symmetric per-output-channel weights, int32 bias (scale InputScale * WeightScales[o], zero
/// point 0), uint8 output (scale, zero point). Weights are given in AQD.Edge's layout
/// [OutChannels][KernelH][KernelW][InChannels/Groups]; the model builders transpose them to ONNX's
/// [O][I][KH][KW]. Batch is 1; ONNX activations are NCHW.
/// </summary>
public sealed record QuantizedConvSpec(
    ConvGeometry Geometry,
    float InputScale,
    byte InputZeroPoint,
    float[] WeightScales,
    sbyte[] Weights,
    int[]? Bias,
    float OutputScale,
    byte OutputZeroPoint)
{
    /// <summary>ONNX input shape [1, C, H, W].</summary>
    public long[] InputShape => [1, Geometry.InChannels, Geometry.InHeight, Geometry.InWidth];

    /// <summary>ONNX output shape [1, M, OH, OW].</summary>
    public long[] OutputShape => [1, Geometry.OutChannels, Geometry.OutHeight, Geometry.OutWidth];

    /// <summary>ONNX weight shape [M, C/group, KH, KW].</summary>
    public long[] WeightShape => [Geometry.OutChannels, Geometry.InChannelsPerGroup, Geometry.KernelH, Geometry.KernelW];

    /// <summary>Weights in ONNX order [M][C/group][KH][KW].</summary>
    public sbyte[] OnnxWeights() => OnnxLayout.OhwiToOihw<sbyte>(Weights, Geometry.OutChannels,
        Geometry.KernelH, Geometry.KernelW, Geometry.InChannelsPerGroup);

    /// <summary>Checks sizes and ranges; throws naming the first problem.</summary>
    public void Validate()
    {
        Geometry.Validate(nameof(QuantizedConvSpec));
        int m = Geometry.OutChannels;
        long weightCount = (long)m * Geometry.ReductionSize;
        if (Weights.Length != weightCount)
        {
            throw new ArgumentException($"Weights: {Weights.Length} values, geometry needs {weightCount}.");
        }
        if (WeightScales.Length != m)
        {
            throw new ArgumentException($"WeightScales: {WeightScales.Length} values, need one per output channel ({m}).");
        }
        if (Bias is not null && Bias.Length != m)
        {
            throw new ArgumentException($"Bias: {Bias.Length} values, need one per output channel ({m}).");
        }
        if (!(InputScale > 0) || !(OutputScale > 0) || WeightScales.Any(s => !(s > 0)))
        {
            throw new ArgumentException("Scales must be positive finite numbers.");
        }
    }
}
