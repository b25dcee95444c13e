using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Preparation;

namespace AQD.Edge.Kernels.Tests.FixedPoint;

public class FixedPointMultiplierTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.25)]
    [InlineData(1.0)]
    [InlineData(0.000123456)]
    [InlineData(0.9999999999)]
    [InlineData(3.75)]
    [InlineData(1e-9)]
    [InlineData(1e-15)]
    [InlineData(1000.0)]
    public void RepresentsTheRealMultiplierClosely(double real)
    {
        var p = FixedPointMultiplier.FromReal(real);
        Assert.True(Requantization.IsValid(p.Multiplier, p.Shift), $"invalid {p}");
        double back = FixedPointMultiplier.ToReal(p);
        // Normalized M0 has 31 significant bits; denormal (n = 62) ones are exact to 2^-63 absolute.
        double tolerance = Math.Max(real * Math.ScaleB(1, -30), Math.ScaleB(1, -63));
        Assert.True(Math.Abs(back - real) <= tolerance, $"{real} -> {p} -> {back}");
        if (real >= Math.ScaleB(1, -32))
        {
            Assert.InRange(p.Multiplier, 1 << 30, int.MaxValue);
        }
    }

    [Fact]
    public void RequantizingWithItMatchesRealArithmeticExceptNearTies()
    {
        var rng = new Random(5);
        for (int i = 0; i < 20_000; i++)
        {
            double real = Math.Exp(rng.NextDouble() * 20 - 16); // ~1e-7 .. 50
            int acc = rng.Next(-1_000_000, 1_000_000);
            var p = FixedPointMultiplier.FromReal(real);
            int got = Requantization.Requantize(acc, p.Multiplier, p.Shift, 0, int.MinValue, int.MaxValue);
            double exact = acc * real;
            double frac = exact - Math.Floor(exact);
            if (Math.Abs(frac - 0.5) < Math.Abs(exact) * Math.ScaleB(1, -29) + 1e-9)
            {
                continue; // within the multiplier's 31-bit precision of a tie: either neighbour is correct
            }
            Assert.Equal((long)Math.Floor(exact + 0.5), got);
        }
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(2e9)]
    public void RejectsWhatTheRuleCannotRepresent(double real)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FixedPointMultiplier.FromReal(real, "conv1 multiplier"));
        Assert.Contains("conv1 multiplier", e.Message);
    }

    [Fact]
    public void ZeroIsRepresentable()
    {
        var p = FixedPointMultiplier.FromReal(0);
        Assert.Equal(0, p.Multiplier);
        Assert.Equal(0, Requantization.Requantize(123456, p.Multiplier, p.Shift, 0, -128, 127));
    }
}
