using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Tests.FixedPoint;

/// <summary>
/// Property tests of the one requantization rule. The rule is defined here independently of the
/// implementation, with Int128 rationals: v = the integer nearest to acc * M0 / 2^n, ties toward
/// +infinity, i.e. floor((2 * acc * M0 + 2^n) / 2^(n+1)); out = clamp(v, lo, hi) with zp added
/// after clamping to the shifted range (equivalently clamp(v + zp, min, max) in exact arithmetic).
/// </summary>
public class RequantizationRuleTests
{
    internal static int Defined(int acc, int m0, int n, int zp, int min, int max)
    {
        Int128 num = 2 * (Int128)acc * m0 + ((Int128)1 << n);
        Int128 den = (Int128)1 << (n + 1);
        Int128 v = FloorDiv(num, den) + zp;
        if (v < min)
        {
            v = min;
        }
        if (v > max)
        {
            v = max;
        }
        return (int)v;
    }

    private static Int128 FloorDiv(Int128 a, Int128 b)
    {
        Int128 q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0)))
        {
            q -= 1;
        }
        return q;
    }

    internal static IEnumerable<(int Acc, int M0, int Shift, int Zp, int Min, int Max)> Cases(int seed, int count)
    {
        var rng = new Random(seed);
        int[] edgeAcc = [int.MinValue, int.MinValue + 1, -1, 0, 1, int.MaxValue - 1, int.MaxValue, 1 << 30, -(1 << 30)];
        int[] edgeM = [0, 1, 1 << 30, int.MaxValue, (1 << 30) + 1, 1_518_500_250];
        int[] edgeShift = [1, 2, 30, 31, 32, 61, 62];
        (int, int, int)[] ranges = [(0, 0, 3), (0, 0, 15), (0, 0, 255), (0, -128, 127), (-128, -128, 127), (127, -128, 127),
            (0, short.MinValue, short.MaxValue), (255, 0, 255), (37, 37, 255)];
        foreach (int a in edgeAcc)
        {
            foreach (int m in edgeM)
            {
                foreach (int s in edgeShift)
                {
                    var (zp, lo, hi) = ranges[rng.Next(ranges.Length)];
                    yield return (a, m, s, zp, lo, hi);
                }
            }
        }
        for (int i = 0; i < count; i++)
        {
            int shift = rng.Next(1, 63);
            int m0 = rng.Next(4) == 0 ? rng.Next() : rng.Next(1 << 30, int.MaxValue);
            int acc = rng.Next(3) switch
            {
                0 => rng.Next(int.MinValue, int.MaxValue),
                1 => rng.Next(-100_000, 100_000),
                _ => Tie(rng, m0 | 1, shift),
            };
            var (zp, lo, hi) = ranges[rng.Next(ranges.Length)];
            yield return (acc, m0, shift, zp, lo, hi);
        }
    }

    // An accumulator whose product with m0 lands as close as int32 allows to a half-way point.
    private static int Tie(Random rng, int m0, int shift)
    {
        // Exact ties need acc * m0 = (k + 1/2) * 2^shift; with odd m0 pick acc = 2^(shift-1) * odd.
        if (shift <= 30)
        {
            long acc = (1L << (shift - 1)) * (2 * rng.Next(-1000, 1000) + 1);
            return (int)Math.Clamp(acc, int.MinValue, int.MaxValue);
        }
        return rng.Next(int.MinValue, int.MaxValue);
    }

    [Fact]
    public void ScalarMatchesDefinitionOnEdgesAndRandom()
    {
        int n = 0;
        foreach (var (acc, m0, shift, zp, lo, hi) in Cases(seed: 1, count: 200_000))
        {
            int expected = Defined(acc, m0, shift, zp, lo, hi);
            int actual = Requantization.Requantize(acc, m0, shift, zp, lo, hi);
            Assert.True(expected == actual,
                $"Requantize(acc={acc}, M0={m0}, n={shift}, zp={zp}, range=[{lo},{hi}]) = {actual}, definition says {expected}");
            n++;
        }
        Assert.True(n > 200_000);
    }

    [Theory]
    [InlineData(3, 1 << 30, 31, 2)]     // 1.5 -> 2
    [InlineData(-3, 1 << 30, 31, -1)]   // -1.5 -> -1 (toward +infinity, not away from zero)
    [InlineData(5, 1 << 30, 31, 3)]     // 2.5 -> 3 (not half-to-even)
    [InlineData(-5, 1 << 30, 31, -2)]   // -2.5 -> -2
    [InlineData(1, 1, 1, 1)]            // 0.5 -> 1
    [InlineData(-1, 1, 1, 0)]           // -0.5 -> 0
    [InlineData(int.MinValue, int.MaxValue, 62, -1)]
    public void TiesRoundTowardPlusInfinity(int acc, int m0, int shift, int expected)
    {
        Assert.Equal(expected, Requantization.Requantize(acc, m0, shift, 0, int.MinValue, int.MaxValue));
        Assert.Equal(expected, Defined(acc, m0, shift, 0, int.MinValue, int.MaxValue));
    }

    [Fact]
    public void ClampIsAppliedBeforeTheZeroPointSoNothingOverflows()
    {
        // v = acc * (2^31 - 1) / 2 is far outside int32; clamped to [lo - zp, hi - zp] first.
        Assert.Equal(255, Requantization.Requantize(int.MaxValue, int.MaxValue, 1, 255, 0, 255));
        Assert.Equal(-128, Requantization.Requantize(int.MinValue, int.MaxValue, 1, 127, -128, 127));
        Assert.Equal(37, Requantization.Requantize(-5, 1 << 30, 31, 37, 37, 255)); // fused ReLU at zp
    }

    [Fact]
    public void VectorFormsMatchScalar()
    {
        bool ran = false;
        var cases = Cases(seed: 2, count: 40_000).ToArray();
        for (int i = 0; i + 8 <= cases.Length; i += 8)
        {
            var chunk = cases.AsSpan(i, 8);
            var range = new OutputRange(chunk[0].Zp, chunk[0].Min, chunk[0].Max);
            int[] acc = new int[8], m = new int[8], s = new int[8], expected = new int[8];
            for (int k = 0; k < 8; k++)
            {
                (acc[k], m[k], s[k]) = (chunk[k].Acc, chunk[k].M0, chunk[k].Shift);
                expected[k] = Requantization.Requantize(acc[k], m[k], s[k], range.ZeroPoint, range.Min, range.Max);
            }
            if (Avx2.IsSupported)
            {
                var got = new Requant256(m, s, 0, range).Apply(Vector256.Create(acc));
                AssertLanes("Requant256 (Avx2)", expected, got.GetLower(), got.GetUpper(), acc, m, s, range);
                ran = true;
            }
            if (AdvSimd.Arm64.IsSupported)
            {
                var lo = new Requant128(m, s, 0, range).Apply(Vector128.Create(acc.AsSpan(0, 4)));
                var hi = new Requant128(m, s, 4, range).Apply(Vector128.Create(acc.AsSpan(4, 4)));
                AssertLanes("Requant128 (AdvSimd)", expected, lo, hi, acc, m, s, range);
                ran = true;
            }
        }
        Assert.True(ran || !(Avx2.IsSupported || AdvSimd.Arm64.IsSupported), "no vector form was exercised");
    }

    [Fact]
    public void PerTensorVectorFormsMatchScalar()
    {
        var rng = new Random(3);
        for (int i = 0; i < 5000; i++)
        {
            int m0 = rng.Next(), shift = rng.Next(1, 63);
            var range = OutputRange.Int8(rng.Next(-128, 128));
            int[] acc = Enumerable.Range(0, 8).Select(_ => rng.Next(int.MinValue, int.MaxValue)).ToArray();
            int[] expected = acc.Select(a => Requantization.Requantize(a, m0, shift, range.ZeroPoint, range.Min, range.Max)).ToArray();
            int[] m = Enumerable.Repeat(m0, 8).ToArray(), s = Enumerable.Repeat(shift, 8).ToArray();
            if (Avx2.IsSupported)
            {
                var got = new Requant256(m0, shift, range).Apply(Vector256.Create(acc));
                AssertLanes("Requant256 per-tensor", expected, got.GetLower(), got.GetUpper(), acc, m, s, range);
            }
            if (AdvSimd.Arm64.IsSupported)
            {
                var q = new Requant128(m0, shift, range);
                AssertLanes("Requant128 per-tensor", expected, q.Apply(Vector128.Create(acc.AsSpan(0, 4))),
                    q.Apply(Vector128.Create(acc.AsSpan(4, 4))), acc, m, s, range);
            }
        }
    }

    private static void AssertLanes(string what, int[] expected, Vector128<int> lo, Vector128<int> hi,
        int[] acc, int[] m, int[] s, OutputRange range)
    {
        for (int k = 0; k < 8; k++)
        {
            int got = k < 4 ? lo.GetElement(k) : hi.GetElement(k - 4);
            Assert.True(expected[k] == got,
                $"{what} lane {k}: acc={acc[k]} M0={m[k]} n={s[k]} range={range}: vector {got}, scalar {expected[k]}");
        }
    }
}
