using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Aqd;

/// <summary>
/// AQD's quantizers (docs/aqd-models.md): unsigned b-bit activations with a clip value, odd-level
/// b-bit weights (int8 symmetric at 8 bits: 8-bit odd levels do not fit the int8 weight kernels),
/// and the rounding the training code uses (torch.round: half to even).
/// </summary>
public static class AqdQuantizers
{
    /// <summary>Weight clip alpha_w (in units of the standardized weight) per bit width.</summary>
    public static double WeightClip(int bits) => bits switch { 2 => 1.5, 3 => 2.0, 4 => 2.5, _ => 3.5 };

    /// <summary>The weight format of a layer with <paramref name="bits"/>-bit weights.</summary>
    public static LowBitFormat WeightFormat(int bits) => bits == 8 ? LowBitFormat.Int(8) : LowBitFormat.Odd(bits);

    /// <summary>The activation format of a b-bit unsigned activation (packed below 8 bits).</summary>
    public static ActivationFormat ActivationFormatOf(int bits) => bits == 8 ? ActivationFormat.Unsigned(8) : ActivationFormat.Packed(bits);

    /// <summary>
    /// Quantizes standardized weights: odd-level w_q = alpha (2 round((clamp(w/alpha, -1, 1) + 1) / 2 (2^b - 1)) - (2^b - 1)) / (2^b - 1),
    /// returned as the integer level (2i - (2^b - 1)) and the scale alpha / (2^b - 1); at 8 bits
    /// round(clamp(w/alpha, -1, 1) 127) with scale alpha / 127.
    /// </summary>
    public static (int[] Levels, double Scale) QuantizeWeights(ReadOnlySpan<double> standardized, int bits)
        => QuantizeWeights(standardized, bits, WeightClip(bits));

    /// <summary>As above with the weight clip <paramref name="alpha"/> (a checkpoint's learned alpha_w) on raw weights.</summary>
    public static (int[] Levels, double Scale) QuantizeWeights(ReadOnlySpan<double> standardized, int bits, double alpha)
    {
        var levels = new int[standardized.Length];
        if (bits == 8)
        {
            for (int i = 0; i < levels.Length; i++)
            {
                levels[i] = (int)Math.Round(Math.Clamp(standardized[i] / alpha, -1, 1) * 127, MidpointRounding.ToEven);
            }
            return (levels, alpha / 127);
        }
        int n = (1 << bits) - 1;
        for (int i = 0; i < levels.Length; i++)
        {
            int code = (int)Math.Round((Math.Clamp(standardized[i] / alpha, -1, 1) + 1) / 2 * n, MidpointRounding.ToEven);
            levels[i] = 2 * code - n;
        }
        return (levels, alpha / n);
    }

    /// <summary>The training code's activation quantizer on one real value: clamp(round_half_even(y / s) + zp, lo, hi).</summary>
    public static int Quantize(double y, double scale, int zeroPoint, int lo, int hi)
    {
        double q = Math.Round(y / scale, MidpointRounding.ToEven) + zeroPoint;
        return (int)Math.Clamp(q, lo, hi);
    }
}
