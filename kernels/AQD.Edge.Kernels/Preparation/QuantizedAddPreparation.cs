using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Preparation;

/// <summary>
/// Preparation-time only: real scales of a quantized Add (TFLite's method) to integer parameters.
/// L = 20 when both inputs are 8-bit (or narrower), 14 when an input is int16 (|x| &lt;= 2^15, so
/// x &lt;&lt; 14 &lt;= 2^29 and the scaled sum stays below 2^30); input multipliers s_i / (2 max(sA, sB))
/// (at most 1/2) and output multiplier 2 max(sA, sB) / (2^L s_out), each via
/// <see cref="FixedPointMultiplier.FromReal"/>.
/// </summary>
public static class QuantizedAddPreparation
{
    public static QuantizedAddParams Prepare(ActivationFormat a, double scaleA, ActivationFormat b, double scaleB,
        ActivationFormat output, double scaleOut, bool relu, int length)
    {
        CheckScale(scaleA, nameof(scaleA));
        CheckScale(scaleB, nameof(scaleB));
        CheckScale(scaleOut, nameof(scaleOut));
        int leftShift = a.Storage == ActivationStorage.Int16 || b.Storage == ActivationStorage.Int16 ? 14 : 20;
        double twiceMax = 2 * Math.Max(scaleA, scaleB);
        var ma = FixedPointMultiplier.FromReal(scaleA / twiceMax, "QuantizedAdd multiplierA");
        var mb = FixedPointMultiplier.FromReal(scaleB / twiceMax, "QuantizedAdd multiplierB");
        double realOut = twiceMax / (Math.ScaleB(1.0, leftShift) * scaleOut);
        if (realOut >= 1 << 29)
        {
            throw new ArgumentException(
                $"QuantizedAdd: scaleOut = {scaleOut} is too small against input scales {scaleA}, {scaleB}.", nameof(scaleOut));
        }
        var mo = FixedPointMultiplier.FromReal(realOut, "QuantizedAdd multiplierOut");
        return new QuantizedAddParams(a, b, output, leftShift, ma, mb, mo, relu, length);
    }

    private static void CheckScale(double scale, string field)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentException($"QuantizedAdd: {field} = {scale} must be a positive finite number.", field);
        }
    }
}
