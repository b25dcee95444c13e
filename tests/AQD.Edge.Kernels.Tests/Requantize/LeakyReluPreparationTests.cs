using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Requantize;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.Requantize;

public class LeakyReluPreparationTests
{
    [Fact]
    public void NegativeSideIsPositiveTimesAlpha()
    {
        double[] real = [0.0123, 3.5e-4, 1.0, 0.75, 0];
        var (pos, neg) = LeakyReluPreparation.FromReal(real, 0.1);
        Assert.Equal(real.Length, pos.Length);
        Assert.Equal(real.Length, neg.Length);
        for (int c = 0; c < real.Length; c++)
        {
            Assert.Equal(FixedPointMultiplier.FromReal(real[c]), pos[c]);
            Assert.Equal(FixedPointMultiplier.FromReal(real[c] * 0.1), neg[c]);
            double n = FixedPointMultiplier.ToReal(neg[c]);
            Assert.True(Math.Abs(n - real[c] * 0.1) <= real[c] * 0.1 * 1e-9, $"channel {c}: {n} vs {real[c] * 0.1}");
        }
    }

    [Fact]
    public void AlphaZeroIsRelu()
    {
        var (_, neg) = LeakyReluPreparation.FromReal([0.5, 0.02], 0);
        Assert.All(neg, n => Assert.Equal(0, n.Multiplier));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void RejectsInvalidAlpha(double alpha)
        => Assert.Throws<ArgumentOutOfRangeException>(() => LeakyReluPreparation.FromReal([0.5], alpha));

    [Fact]
    public void PreparedLeakyStageTracksFloatLeakyRelu()
    {
        // Conv accumulators at scale s_acc, output int8 with scale s_out and zero point zp:
        // out ~= zp + LeakyReLU(v * s_acc) / s_out within 1 LSB (single rounding) for unclamped values.
        const double sAcc = 0.0007, sOut = 0.05, alpha = 0.1;
        const int zp = -20, channels = 3;
        var (pos, neg) = LeakyReluPreparation.FromReal([sAcc / sOut, 2 * sAcc / sOut, 0.5 * sAcc / sOut], alpha);
        var p = RequantParams.Leaky(new int[channels], pos, neg, OutputRange.Int8(zp));
        var rng = new Random(5);
        var acc = Enumerable.Range(0, 600).Select(_ => rng.Next(-200_000, 100_000)).ToArray();
        var output = new byte[acc.Length];
        RequantizeStoreReference.Run(acc, channels, acc.Length / channels, channels, 0, p, ActivationFormat.Int8(zp), output, channels);
        for (int i = 0; i < acc.Length; i++)
        {
            double scale = (i % channels) switch { 0 => 1.0, 1 => 2.0, _ => 0.5 };
            double x = acc[i] * sAcc * scale;
            double y = Math.Clamp(zp + (x >= 0 ? x : alpha * x) / sOut, -128, 127);
            Assert.True(Math.Abs((sbyte)output[i] - y) <= 0.5 + 1e-6, $"element {i}: acc {acc[i]} -> {(sbyte)output[i]}, float {y}");
        }
    }
}
