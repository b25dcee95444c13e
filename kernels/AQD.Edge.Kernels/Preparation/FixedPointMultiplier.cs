using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Preparation;

/// <summary>
/// Preparation-time only (float allowed here, never on the inference path): turns real
/// multipliers such as s_in * s_w / s_out into the (M0, n) pairs of <see cref="Requantization"/>.
/// </summary>
public static class FixedPointMultiplier
{
    /// <summary>
    /// Nearest (M0, n) with M0 * 2^-n ~= <paramref name="real"/>: M0 in [2^30, 2^31 - 1] whenever
    /// the multiplier is at least 2^-32; smaller ones use n = 62 and a smaller M0 (0 for 0).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, NaN, infinite, or at least 2^30.</exception>
    public static ChannelRequant FromReal(double real, string? what = null)
    {
        if (double.IsNaN(real) || double.IsInfinity(real) || real < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(real), real,
                $"{what ?? "Requantization multiplier"} must be a finite non-negative number (fold a negative scale into the weights' sign).");
        }
        if (real == 0)
        {
            return new ChannelRequant(0, Requantization.MinShift);
        }
        if (real >= (double)(1 << 30))
        {
            throw new ArgumentOutOfRangeException(nameof(real), real,
                $"{what ?? "Requantization multiplier"} {real} is too large; the fixed-point rule supports multipliers below 2^30.");
        }
        // real = q * 2^e with q in [0.5, 1).
        int e = Math.ILogB(real) + 1;
        double q = Math.ScaleB(real, -e);
        long m0 = (long)Math.Round(q * (1L << 31), MidpointRounding.AwayFromZero);
        if (m0 == 1L << 31)
        {
            m0 >>= 1;
            e++;
        }
        int shift = 31 - e;
        if (shift > Requantization.MaxShift)
        {
            m0 = (long)Math.Round(Math.ScaleB(real, Requantization.MaxShift), MidpointRounding.AwayFromZero);
            shift = Requantization.MaxShift;
        }
        if (shift < Requantization.MinShift)
        {
            throw new ArgumentOutOfRangeException(nameof(real), real,
                $"{what ?? "Requantization multiplier"} {real} is too large for the fixed-point rule.");
        }
        return new ChannelRequant((int)m0, shift);
    }

    /// <summary>The real value a fixed-point multiplier stands for.</summary>
    public static double ToReal(ChannelRequant p) => Math.ScaleB(p.Multiplier, -p.Shift);
}
