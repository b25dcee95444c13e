using AQD.Edge.Kernels.Conv;
using AQD.Edge.Onnx;

namespace AQD.Edge.Bench.Conv;

/// <summary>
/// Random integer data of one shape, shared by every engine so all time the same work: uint8 NHWC
/// input (zero point 0 like AQD's unsigned activations), int8 [-127, 127] weights in
/// [O][KH][KW][I], int32 bias and scales that spread the uint8 output over its range.
/// </summary>
public sealed class ConvBenchData
{
    public ConvBenchData(ConvShape shape, int seed)
    {
        Shape = shape;
        var g = shape.Geometry;
        var rng = new Random(seed);
        InputNhwc = new byte[g.InHeight * g.InWidth * g.InChannels];
        rng.NextBytes(InputNhwc);
        Weights = new sbyte[g.OutChannels * g.ReductionSize];
        for (int i = 0; i < Weights.Length; i++)
        {
            Weights[i] = (sbyte)rng.Next(-127, 128);
        }
        Bias = new int[g.OutChannels];
        for (int i = 0; i < Bias.Length; i++)
        {
            Bias[i] = rng.Next(-20000, 20000);
        }
        const float inputScale = 0.02f;
        var weightScales = new float[g.OutChannels];
        for (int i = 0; i < weightScales.Length; i++)
        {
            weightScales[i] = 0.001f + 0.002f * (float)rng.NextDouble();
        }
        // acc std ~ sqrt(K) * std(u8) * std(s8); aim the output std at ~40 levels around zp 128.
        double accStd = Math.Sqrt(g.ReductionSize) * 74 * 73;
        float outputScale = (float)(accStd * inputScale * 0.002 / 40);
        Spec = new QuantizedConvSpec(g, inputScale, 0, weightScales, Weights, Bias, outputScale, 128);
        InputNchw = OnnxLayout.HwcToChw<byte>(InputNhwc, g.InHeight, g.InWidth, g.InChannels);
    }

    public ConvShape Shape { get; }
    public ConvGeometry Geometry => Shape.Geometry;
    public byte[] InputNhwc { get; }
    public byte[] InputNchw { get; }
    public sbyte[] Weights { get; }
    public int[] Bias { get; }

    /// <summary>The 8-bit problem as ONNX's QLinearConv sees it.</summary>
    public QuantizedConvSpec Spec { get; }
}
