using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Preparation;

/// <summary>Preparation-time only: the global average pool's multiplier s_in / (s_out * H * W) via FromReal.</summary>
public static class GlobalAveragePoolPreparation
{
    public static GlobalAveragePoolParams Prepare(int batch, int height, int width, int channels,
        ActivationFormat input, double scaleIn, ActivationFormat output, double scaleOut, bool relu = false)
    {
        if (!(scaleIn > 0) || double.IsInfinity(scaleIn))
        {
            throw new ArgumentException($"GlobalAveragePool: scaleIn = {scaleIn} must be a positive finite number.", nameof(scaleIn));
        }
        if (!(scaleOut > 0) || double.IsInfinity(scaleOut))
        {
            throw new ArgumentException($"GlobalAveragePool: scaleOut = {scaleOut} must be a positive finite number.", nameof(scaleOut));
        }
        ChannelRequant m = height > 0 && width > 0
            ? FixedPointMultiplier.FromReal(scaleIn / (scaleOut * height * (double)width), "GlobalAveragePool multiplier")
            : default;
        return new GlobalAveragePoolParams(batch, height, width, channels, input, output, m, relu);
    }
}
