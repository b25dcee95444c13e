using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Preparation;

namespace AQD.Edge.Aqd;

/// <summary>
/// Derives the integer parameters of every node and snaps the float model to them, so that the
/// float model and the integer one are the same model (docs/aqd-models.md, "Lowering"):
/// <list type="bullet">
/// <item>conv: M_c = (M0, n) nearest to Gain_c s_in s_w / s_out; Bias_c = round(Offset_c / (Gain_c s_in s_w));
/// then Gain_c := M0 2^-n s_out / (s_in s_w) and Offset_c := Bias_c Gain_c s_in s_w;</item>
/// <item>requantize: (M0, n) nearest to s_in / s_out; then s_out := s_in / (M0 2^-n) (the clip moves by
/// less than 2^-30 relative);</item>
/// <item>add: s_a / s_out and s_b / s_out must be powers of two 2^e, e in [0, 16] (the builder assigns
/// scales that way): shifts e.</item>
/// </list>
/// Nodes are lowered in order, so a snapped scale is seen by every consumer.
/// </summary>
public static class AqdLowering
{
    public static void Lower(AqdNetwork net)
    {
        ArgumentNullException.ThrowIfNull(net);
        foreach (var node in net.Nodes)
        {
            switch (node)
            {
                case AqdConv c:
                    LowerConv(c);
                    break;
                case AqdRequantize r:
                {
                    double sIn = r.Inputs[0].Scale;
                    r.CalibratedOutputScale = r.Output.Scale;
                    r.Multiplier = FixedPointMultiplier.FromReal(sIn / r.Output.Scale, r.Name);
                    r.Output.Scale = sIn / FixedPointMultiplier.ToReal(r.Multiplier);
                    break;
                }
                case AqdAdd a:
                    a.ShiftA = PowerOfTwo(a.Inputs[0].Scale / a.Output.Scale, a.Name + " input a");
                    a.ShiftB = PowerOfTwo(a.Inputs[1].Scale / a.Output.Scale, a.Name + " input b");
                    break;
                case AqdMaxPool or AqdUpsample:
                    if (node.Output.Scale != node.Inputs[0].Scale)
                    {
                        throw new InvalidOperationException($"{node.Name}: output scale must equal the input scale.");
                    }
                    break;
            }
        }
        net.Lowered = true;
    }

    private static void LowerConv(AqdConv c)
    {
        int n = c.Output.Channels;
        double accScale = c.Inputs[0].Scale * c.Weights.Scale;
        double sOut = c.Output.Scale;
        var bias = new int[n];
        var requant = new ChannelRequant[n];
        c.CalibratedGain = (double[])c.Gain.Clone();
        c.CalibratedOffset = (double[])c.Offset.Clone();
        for (int ch = 0; ch < n; ch++)
        {
            double g = c.Gain[ch];
            if (!(g > 0))
            {
                throw new InvalidOperationException($"{c.Name}: channel {ch} has gain {g}; folded BN gains must be positive (shared weights cannot absorb a sign).");
            }
            requant[ch] = FixedPointMultiplier.FromReal(g * accScale / sOut, $"{c.Name} channel {ch}");
            bias[ch] = checked((int)Math.Round(c.Offset[ch] / (g * accScale), MidpointRounding.ToEven));
            c.Gain[ch] = FixedPointMultiplier.ToReal(requant[ch]) * sOut / accScale;
            c.Offset[ch] = bias[ch] * c.Gain[ch] * accScale;
        }
        c.Bias = bias;
        c.Requant = requant;
    }

    private static int PowerOfTwo(double ratio, string what)
    {
        int e = (int)Math.Round(Math.Log2(ratio));
        if (e < 0 || e > 16 || Math.ScaleB(1.0, e) != ratio)
        {
            throw new InvalidOperationException($"{what}: scale ratio {ratio} is not a power of two 2^e with e in [0, 16].");
        }
        return e;
    }
}
