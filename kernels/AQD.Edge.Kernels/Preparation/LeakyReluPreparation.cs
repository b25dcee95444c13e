using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Preparation;

/// <summary>
/// Preparation-time only (float allowed here): the two per-channel fixed-point multipliers of a
/// fused Conv -&gt; LeakyReLU(alpha) output stage. Positive side M_pos = the real requantization
/// multiplier (s_in * s_w / s_out); negative side M_neg = M_pos * alpha, computed in double from
/// the real values (not from the already-rounded M_pos) and converted once with
/// <see cref="FixedPointMultiplier.FromReal"/>, so the kernel does a single rounding per value.
/// alpha must be finite and non-negative (alpha = 0 is a plain ReLU through the negative side).
/// </summary>
public static class LeakyReluPreparation
{
    public static (ChannelRequant[] Positive, ChannelRequant[] Negative) FromReal(double[] posMultipliers, double alpha)
    {
        ArgumentNullException.ThrowIfNull(posMultipliers);
        if (double.IsNaN(alpha) || double.IsInfinity(alpha) || alpha < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha,
                "LeakyReLU: alpha must be a finite non-negative number (a negative slope cannot be a non-negative multiplier).");
        }
        var pos = new ChannelRequant[posMultipliers.Length];
        var neg = new ChannelRequant[posMultipliers.Length];
        for (int c = 0; c < posMultipliers.Length; c++)
        {
            pos[c] = FixedPointMultiplier.FromReal(posMultipliers[c], $"LeakyReLU channel {c} multiplier");
            neg[c] = FixedPointMultiplier.FromReal(posMultipliers[c] * alpha, $"LeakyReLU channel {c} negative-side multiplier");
        }
        return (pos, neg);
    }
}
