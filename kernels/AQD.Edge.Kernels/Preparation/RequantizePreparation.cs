using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Preparation;

/// <summary>Preparation-time only: the Requantize multiplier s_in / s_out via FromReal.</summary>
public static class RequantizePreparation
{
    public static RequantizeParams Prepare(ActivationFormat input, double scaleIn, ActivationFormat output, double scaleOut,
        int pixels, int channels)
    {
        if (!(scaleIn > 0) || double.IsInfinity(scaleIn))
        {
            throw new ArgumentException($"Requantize: scaleIn = {scaleIn} must be a positive finite number.", nameof(scaleIn));
        }
        if (!(scaleOut > 0) || double.IsInfinity(scaleOut))
        {
            throw new ArgumentException($"Requantize: scaleOut = {scaleOut} must be a positive finite number.", nameof(scaleOut));
        }
        return new RequantizeParams(input, output, FixedPointMultiplier.FromReal(scaleIn / scaleOut, "Requantize multiplier"), pixels, channels);
    }
}
