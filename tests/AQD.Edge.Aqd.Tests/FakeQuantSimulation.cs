using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Aqd.Tests;

/// <summary>
/// The fake-quant float simulation of a lowered AQD network (docs/aqd-models.md, "Bit-exactness"),
/// independent of the engine and its kernels. Every tensor is carried as real values
/// s * (q - zp); each node is evaluated the way AQD's training code evaluates it — float conv of
/// the fake-quantized input with the fake-quantized weights, folded BN, ReLU, quantizer with clip —
/// in double. The quantizer step is evaluated twice:
/// <list type="bullet">
/// <item><b>exact</b>: the conv's double sum is a multiple of s_in s_w up to a rounding error far below
/// half a unit (checked per value), so the integer accumulator is recovered exactly; the folded BN
/// and quantizer (whose float parameters the lowering snapped to the fixed-point values) are then
/// evaluated exactly in 128-bit integers with the deployed rounding rule (ties toward +infinity).
/// This is what the engine must equal, bit for bit.</item>
/// <item><b>training-code</b>: the same step in plain double with torch.round's ties-to-even, from
/// the same inputs; its disagreements with the exact step are counted per layer (ties and double
/// rounding of near-ties), not propagated.</item>
/// <item><b>calibrated</b>: the training-code step with the BN and clip values as calibrated, before
/// the lowering snapped them to fixed point (bias rounded to the accumulator grid, 31-bit
/// multipliers): its disagreements measure what the snapping changes, again per layer.</item>
/// </list>
/// </summary>
internal static class FakeQuantSimulation
{
    /// <summary>Integer values of every tensor, and per node the training-code disagreements.</summary>
    public sealed record Result(int[][] Codes, int[] TrainingCodeDiffs, int[] CalibratedDiffs, int[] CalibratedMaxDiff, double[] MaxAccumulatorError);

    public static Result Run(AqdNetwork net, ReadOnlySpan<byte> bgr)
    {
        var codes = new int[net.Tensors.Count][];
        var real = new double[net.Tensors.Count][];
        var diffs = new int[net.Nodes.Count];
        var calDiffs = new int[net.Nodes.Count];
        var calMax = new int[net.Nodes.Count];
        var accErr = new double[net.Nodes.Count];
        var input = net.Input;
        codes[input.Id] = new int[bgr.Length];
        for (int i = 0; i < bgr.Length; i++)
        {
            codes[input.Id][i] = bgr[i];
        }
        real[input.Id] = Reals(codes[input.Id], input);
        for (int n = 0; n < net.Nodes.Count; n++)
        {
            var node = net.Nodes[n];
            var y = node.Output;
            var x = node.Inputs[0];
            int[] q;
            switch (node)
            {
                case AqdConv c:
                    (q, diffs[n], calDiffs[n], calMax[n], accErr[n]) = Conv(c, real[x.Id]);
                    break;
                case AqdRequantize r:
                {
                    q = new int[y.Elements];
                    for (int i = 0; i < q.Length; i++)
                    {
                        q[i] = Rule(codes[x.Id][i] - x.ZeroPoint, r.Multiplier, y.ZeroPoint, y.Format.Min, y.Format.Max);
                        int t = AqdQuantizers.Quantize(real[x.Id][i], y.Scale, y.ZeroPoint, y.Format.Min, y.Format.Max);
                        diffs[n] += t != q[i] ? 1 : 0;
                        int u = AqdQuantizers.Quantize(real[x.Id][i], r.CalibratedOutputScale, y.ZeroPoint, y.Format.Min, y.Format.Max);
                        calDiffs[n] += u != q[i] ? 1 : 0;
                        calMax[n] = Math.Max(calMax[n], Math.Abs(u - q[i]));
                    }
                    break;
                }
                case AqdAdd a:
                {
                    // Scales are powers of two apart: the real sum over the output scale is an integer
                    // (up to the double rounding of s * q, far below 1/2: checked).
                    var ra = real[a.Inputs[0].Id];
                    var rb = real[a.Inputs[1].Id];
                    q = new int[y.Elements];
                    for (int i = 0; i < q.Length; i++)
                    {
                        double v = (ra[i] + rb[i]) / y.Scale, r = Math.Round(v);
                        accErr[n] = Math.Max(accErr[n], Math.Abs(v - r));
                        q[i] = (int)Math.Clamp(r, a.Relu ? 0 : short.MinValue, short.MaxValue);
                    }
                    break;
                }
                case AqdMaxPool:
                    q = Codes(AqdFloatOps.MaxPool3x3s2(real[x.Id], x.Height, x.Width, x.Channels), y);
                    break;
                case AqdUpsample:
                    q = Codes(AqdFloatOps.Upsample2x(real[x.Id], x.Height, x.Width, x.Channels), y);
                    break;
                default:
                    throw new InvalidOperationException(node.Name);
            }
            codes[y.Id] = q;
            real[y.Id] = Reals(q, y);
        }
        return new Result(codes, diffs, calDiffs, calMax, accErr);
    }

    private static (int[] Codes, int Diffs, int CalibratedDiffs, int CalibratedMax, double MaxAccError) Conv(AqdConv c, double[] x)
    {
        var t = c.Inputs[0];
        var w = c.Weights;
        var y = c.Output;
        var wReal = new double[w.Levels.Length];
        for (int i = 0; i < wReal.Length; i++)
        {
            wReal[i] = w.Levels[i] * w.Scale;
        }
        double[] acc = AqdFloatOps.Conv(x, t.Height, t.Width, t.Channels, wReal, y.Channels, w.Kernel, c.Stride);
        double accScale = t.Scale * w.Scale;
        var range = c.Range;
        var q = new int[acc.Length];
        int diffs = 0, calDiffs = 0, calMax = 0;
        double maxErr = 0;
        for (int i = 0; i < acc.Length; i++)
        {
            int ch = i % y.Channels;
            double units = acc[i] / accScale;
            long a = (long)Math.Round(units);
            maxErr = Math.Max(maxErr, Math.Abs(units - a));
            q[i] = Rule(a + c.Bias[ch], c.Requant[ch], range.ZeroPoint, range.Min, range.Max);
            double v = c.Gain[ch] * acc[i] + c.Offset[ch];
            int trainingCode = AqdQuantizers.Quantize(v, y.Scale, y.ZeroPoint, range.Min, range.Max);
            diffs += trainingCode != q[i] ? 1 : 0;
            double u = c.CalibratedGain[ch] * acc[i] + c.CalibratedOffset[ch];
            int cq = AqdQuantizers.Quantize(u, y.Scale, y.ZeroPoint, range.Min, range.Max);
            calDiffs += cq != q[i] ? 1 : 0;
            calMax = Math.Max(calMax, Math.Abs(cq - q[i]));
        }
        return (q, diffs, calDiffs, calMax, maxErr);
    }

    /// <summary>THE rounding rule evaluated exactly in 128 bits: clamp(floor((v M0 + 2^(n-1)) / 2^n), lo - zp, hi - zp) + zp.</summary>
    public static int Rule(long v, ChannelRequant m, int zp, int lo, int hi)
    {
        Int128 r = ((Int128)v * m.Multiplier + ((Int128)1 << (m.Shift - 1))) >> m.Shift;
        if (r < lo - zp)
        {
            r = lo - zp;
        }
        else if (r > hi - zp)
        {
            r = hi - zp;
        }
        return (int)r + zp;
    }

    private static double[] Reals(int[] q, AqdTensor t)
    {
        var r = new double[q.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = t.Scale * (q[i] - t.ZeroPoint);
        }
        return r;
    }

    private static int[] Codes(double[] r, AqdTensor t)
    {
        var q = new int[r.Length];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = (int)Math.Round(r[i] / t.Scale) + t.ZeroPoint;
        }
        return q;
    }
}
