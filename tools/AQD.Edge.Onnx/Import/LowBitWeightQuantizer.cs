using AQD.Edge.Kernels.LowBit;

namespace AQD.Edge.Onnx.Import;

/// <summary>Integer conv weights [M][per] with one real scale per output channel: w ~= scale[o] * q.</summary>
public sealed record QuantizedWeights(long[] Values, float[] Scales, LowBitFormat Format, double MeanSquaredError);

/// <summary>
/// Per-output-channel weight quantization for the float packer.
/// <list type="bullet">
/// <item>8 bits: int8 symmetric [-127, 127], scale max|w| / 127 (TFLite's rule; the kernels refuse -128).</item>
/// <item>b = 2, 3, 4 bits: two candidate grids, each with a per-channel clip c searched for the least
/// squared error over the channel's weights (21 clips c = f max|w|, f = 0.20 .. 1.00, then 10 finer
/// steps around the best): signed symmetric q in [-(2^(b-1) - 1), 2^(b-1) - 1] with scale
/// c / (2^(b-1) - 1) (2 bits: ternary {-1, 0, 1}), and AQD odd-level q in {-(2^b - 1), ..., -1, 1, ...,
/// 2^b - 1} with scale c / (2^b - 1) (2 bits: {-3, -1, 1, 3}). The layer keeps the grid with the lower
/// total error (the packed weight format is per layer).</item>
/// </list>
/// Rounding: nearest level; ties to even (signed), toward +infinity (odd-level: q = 2 floor(w / 2s) + 1); then clamped to the grid.
/// With an importance function the squared errors are weighted (activation-aware: the float packer passes the
/// calibrated E[x^2] of the input channel each weight multiplies).
/// </summary>
public static class LowBitWeightQuantizer
{
    /// <param name="weights">Float weights [channels][per].</param>
    /// <param name="channels">Output channels (one scale each).</param>
    /// <param name="bits">2, 3, 4 or 8.</param>
    /// <param name="importance">Optional weight of each squared error: importance(o, j) for element j of channel o
    /// (e.g. the calibrated E[x^2] of the input that element multiplies); null weighs every element 1.</param>
    public static QuantizedWeights Quantize(float[] weights, int channels, int bits, Func<int, int, double>? importance = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (channels <= 0 || weights.Length % channels != 0)
        {
            throw new ArgumentException($"{weights.Length} weights do not split into {channels} channels.");
        }
        if (bits == 8)
        {
            return Run(weights, channels, LowBitFormat.Int(8), search: false, importance);
        }
        if (bits is not (2 or 3 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "weight bits must be 2, 3, 4 or 8.");
        }
        var signed = Run(weights, channels, LowBitFormat.Int(bits), search: true, importance);
        var odd = Run(weights, channels, LowBitFormat.Odd(bits), search: true, importance);
        return odd.MeanSquaredError <= signed.MeanSquaredError ? odd : signed;
    }

    private static int MaxLevel(LowBitFormat f) => f.Encoding == LowBitEncoding.OddLevel ? (1 << f.Bits) - 1 : (1 << (f.Bits - 1)) - 1;

    private static long Level(double w, double s, LowBitFormat f)
    {
        int max = MaxLevel(f);
        if (f.Encoding == LowBitEncoding.OddLevel)
        {
            return Math.Clamp(2 * (long)Math.Floor(w / (2 * s)) + 1, -max, max);
        }
        return Math.Clamp((long)Math.Round(w / s, MidpointRounding.ToEven), -max, max);
    }

    private static double Error(ReadOnlySpan<float> w, double s, LowBitFormat f, ReadOnlySpan<double> importance)
    {
        double e = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double d = w[i] - s * Level(w[i], s, f);
            e += (importance.IsEmpty ? 1 : importance[i]) * d * d;
        }
        return e;
    }

    private static QuantizedWeights Run(float[] weights, int channels, LowBitFormat format, bool search, Func<int, int, double>? importance)
    {
        int per = weights.Length / channels, max = MaxLevel(format);
        var q = new long[weights.Length];
        var scales = new float[channels];
        double total = 0;
        for (int o = 0; o < channels; o++)
        {
            var w = weights.AsSpan(o * per, per);
            double[] imp = importance is null ? [] : [.. Enumerable.Range(0, per).Select(j => importance(o, j))];
            double maxAbs = 0;
            foreach (float v in w) { maxAbs = Math.Max(maxAbs, Math.Abs(v)); }
            if (maxAbs == 0)
            {
                scales[o] = 1e-8f;
                continue;
            }
            double clip = maxAbs;
            if (search)
            {
                double best = double.PositiveInfinity, bestF = 1;
                for (int i = 0; i <= 20; i++)
                {
                    double f = 0.2 + 0.04 * i, e = Error(w, f * maxAbs / max, format, imp);
                    if (e < best) { best = e; bestF = f; }
                }
                for (int i = -5; i <= 5; i++)
                {
                    double f = bestF + 0.008 * i;
                    if (f is > 0.05 and <= 1)
                    {
                        double e = Error(w, f * maxAbs / max, format, imp);
                        if (e < best) { best = e; bestF = f; }
                    }
                }
                clip = bestF * maxAbs;
            }
            float s = (float)(clip / max);
            scales[o] = s;
            for (int i = 0; i < per; i++)
            {
                q[o * per + i] = Level(w[i], s, format);
            }
            total += Error(w, s, format, imp);
        }
        return new QuantizedWeights(q, scales, format, total / weights.Length);
    }
}
