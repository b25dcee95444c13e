using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Preparation;

/// <summary>
/// Preparation-time only (float allowed here): builds a <see cref="LookupTable"/> from a real
/// function. For each input code q (0..255 for uint8, -128..127 for int8) the entry is
/// clamp(zp_out + round(f(s_in * (q - zp_in)) / s_out)) with round = nearest, ties away from zero,
/// clamped to the output type (uint8, int8 or int16); so every unclamped entry is within 1/2 LSB of the real function.
/// </summary>
public static class LookupTablePreparation
{
    public static LookupTable FromFunction(Func<double, double> f, ActivationFormat input, double inputScale,
        ActivationFormat output, double outputScale)
    {
        ArgumentNullException.ThrowIfNull(f);
        CheckScale(inputScale, nameof(inputScale));
        CheckScale(outputScale, nameof(outputScale));
        var entries = new int[LookupTable.Size];
        int qMin = input.Storage == ActivationStorage.Int8 ? -128 : 0;
        for (int k = 0; k < LookupTable.Size; k++)
        {
            int q = qMin + k; // k = q + 128 for int8 inputs: the kernel's index rule
            double y = f(inputScale * (q - input.ZeroPoint));
            if (double.IsNaN(y))
            {
                throw new ArgumentException($"LookupTable: the function is NaN at input code {q}.", nameof(f));
            }
            double code = Math.Round(y / outputScale, MidpointRounding.AwayFromZero) + output.ZeroPoint;
            entries[k] = (int)Math.Clamp(code, output.Min, output.Max);
        }
        return LookupTable.FromValues(input, output, entries); // validates the formats
    }

    /// <summary>Sigmoid 1 / (1 + e^-x) table (NanoDet class outputs).</summary>
    public static LookupTable Sigmoid(ActivationFormat input, double inputScale, ActivationFormat output, double outputScale)
        => FromFunction(x => 1.0 / (1.0 + Math.Exp(-x)), input, inputScale, output, outputScale);

    private static void CheckScale(double scale, string field)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentException($"LookupTable: {field} = {scale} must be a positive finite number.", field);
        }
    }
}
