using TorchSharp;
using static TorchSharp.torch;

namespace AQD.Edge.Train;

/// <summary>
/// AQD's quantizers as differentiable fake-quant functions (../shared/reference/aqd-method.md,
/// docs/aqd-models.md "Quantizers"), with straight-through rounding:
/// <list type="bullet">
/// <item>activations, unsigned b-bit with a learned clip alpha: x_q = alpha round(clamp(x/alpha, 0, 1) n) / n, n = 2^b - 1;</item>
/// <item>weights, odd levels: w_q = alpha (2 round((clamp(w/alpha, -1, 1) + 1) / 2 n) - n) / n (2-bit {-3,-1,1,3} alpha/3);</item>
/// <item>8-bit weights: int8 symmetric, w_q = alpha round(clamp(w/alpha, -1, 1) 127) / 127 (as the engine's int8 kernels).</item>
/// </list>
/// The clip gradient is LSQ's: the rounding is straight-through, so d x_q / d alpha = (round(u) - u) / n inside
/// the range and 1 (or -1) where clamped; it is scaled by 1 / sqrt(numel n) (LSQ's gradient scale) so that one
/// clip does not take steps far larger than the weights.
/// </summary>
public static class Quantizers
{
    /// <summary>round(x) forward, identity backward.</summary>
    public static Tensor RoundSte(Tensor x) => x + (x.round() - x).detach();

    /// <summary>Forward value x, backward gradient scaled by <paramref name="scale"/>.</summary>
    public static Tensor GradScale(Tensor x, double scale) => (x - x * scale).detach() + x * scale;

    public static int Levels(int bits) => (1 << bits) - 1;

    /// <summary>Smallest clip used (d(x/a)/da = -x/a^2 must stay finite in float32, also where the clamp zeroes it).</summary>
    public const double MinClip = 1e-4;

    public static Tensor Activation(Tensor x, Tensor clip, int bits)
    {
        int n = Levels(bits);
        var a = GradScale(clip.abs().clamp_min(MinClip), 1.0 / Math.Sqrt(Math.Max(1, x.numel() / Math.Max(1, x.shape[0])) * n));
        return RoundSte((x / a).clamp(0, 1) * n) * a / n;
    }

    public static Tensor Weight(Tensor w, Tensor alpha, int bits)
    {
        var a = GradScale(alpha.abs().clamp_min(MinClip), 1.0 / Math.Sqrt(w.numel() * (double)Levels(bits == 8 ? 7 : bits)));
        if (bits == 8)
        {
            return RoundSte((w / a).clamp(-1, 1) * 127) * a / 127;
        }
        int n = Levels(bits);
        var code = RoundSte(((w / a).clamp(-1, 1) + 1) / 2 * n);
        return (2 * code - n) * a / n;
    }

    /// <summary>Integer weight levels (odd 2i - n at b bits, int8 at 8 bits), as the importer computes them.</summary>
    public static Tensor WeightLevels(Tensor w, Tensor alpha, int bits)
    {
        if (bits == 8)
        {
            return ((w / alpha).clamp(-1, 1) * 127).round();
        }
        int n = Levels(bits);
        return 2 * (((w / alpha).clamp(-1, 1) + 1) / 2 * n).round() - n;
    }

    /// <summary>A fixed-scale output quantizer (the prediction outputs: int8 / uint8 at 1/16 or 1/32), straight-through.</summary>
    public static Tensor FixedOutput(Tensor y, double scale, int lo, int hi) => RoundSte(y / scale).clamp(lo, hi) * scale;

    /// <summary>The 99.9th percentile of the positive values (1 if none): the builder's clip calibration.</summary>
    public static double PositivePercentile(IEnumerable<Tensor> xs, double p = 0.999)
    {
        using var scope = NewDisposeScope();
        var flat = cat(xs.Select(x => x.detach().flatten().to(ScalarType.Float32)).ToList(), 0);
        var pos = flat.masked_select(flat > 0);
        long n = pos.numel();
        if (n == 0)
        {
            return 1;
        }
        if (n > 2_000_000)
        {
            pos = pos.index_select(0, randint(0, n, [2_000_000], dtype: ScalarType.Int64));
            n = pos.numel();
        }
        var sorted = pos.sort().Values;
        return sorted[Math.Min(n - 1, (long)Math.Floor(p * n))].item<float>();
    }
}
