using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Requantize;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.Requantize;

/// <summary>Fluent tester: runs a RequantizeStore variant and the scalar twin on the same data.</summary>
public sealed class RequantizeStoreTester
{
    private int rows = 3, channels = 8, channelStart, totalChannels = 8, seed = 1;
    private ActivationFormat format = ActivationFormat.UInt8(0);
    private OutputRange? range;
    private bool extremes, leaky;

    public RequantizeStoreTester Rows(int value) { rows = value; return this; }
    public RequantizeStoreTester Channels(int start, int count, int total) { channelStart = start; channels = count; totalChannels = total; return this; }
    public RequantizeStoreTester Format(ActivationFormat value, OutputRange r) { format = value; range = r; return this; }
    public RequantizeStoreTester Extremes(bool value = true) { extremes = value; return this; }
    public RequantizeStoreTester Seed(int value) { seed = value; return this; }
    /// <summary>Fused LeakyReLU: random negative-side multipliers (about M_pos * alpha, sometimes 0 or arbitrary).</summary>
    public RequantizeStoreTester Leaky(bool value = true) { leaky = value; return this; }

    public void Test(RequantizeStoreVariant variant)
    {
        var rng = new Random(seed);
        var outRange = range ?? OutputRange.UInt8(0);
        var ch = Enumerable.Range(0, totalChannels)
            .Select(_ => new ChannelRequant(rng.Next(4) == 0 ? rng.Next() : rng.Next(1 << 30, int.MaxValue), rng.Next(1, 63)))
            .ToArray();
        // Keep typical requantization multipliers (n around 31..45) common so results are not all clamped.
        for (int c = 0; c < totalChannels; c++)
        {
            if (rng.Next(3) != 0)
            {
                ch[c] = ch[c] with { Shift = rng.Next(30, 46) };
            }
        }
        var bias = Enumerable.Range(0, totalChannels).Select(_ => rng.Next(-100_000, 100_000)).ToArray();
        var p = leaky ? RequantParams.Leaky(bias, ch, NegativeSide(rng, ch), outRange) : new RequantParams(bias, ch, outRange);
        int accStride = channels + rng.Next(0, 3);
        var acc = new int[Math.Max(1, rows * accStride)];
        for (int i = 0; i < acc.Length; i++)
        {
            acc[i] = extremes
                ? rng.Next(4) switch { 0 => int.MinValue + 100_000, 1 => int.MaxValue - 100_000, 2 => 0, _ => rng.Next(int.MinValue / 2, int.MaxValue / 2) }
                : rng.Next(-1 << 24, 1 << 24);
        }
        int pixelBytes = format.PixelBytes(totalChannels) + rng.Next(0, 2);
        var expected = new byte[Math.Max(1, rows * pixelBytes)];
        rng.NextBytes(expected); // untouched bytes must stay as they were
        var actual = (byte[])expected.Clone();
        RequantizeStoreReference.Run(acc, accStride, rows, channels, channelStart, p, format, expected, pixelBytes);
        variant.Run(acc, accStride, rows, channels, channelStart, p, format, actual, pixelBytes);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == actual[i],
                $"{variant.Name}: byte {i} (pixel {i / pixelBytes}, byte {i % pixelBytes} of {pixelBytes}) differs: " +
                $"variant {actual[i]}, scalar {expected[i]}; rows={rows} channels={channelStart}+{channels}/{totalChannels} " +
                $"format={format} range={outRange} leaky={leaky}");
        }
    }

    private static ChannelRequant[] NegativeSide(Random rng, ChannelRequant[] pos)
        => pos.Select(c => rng.Next(5) switch
        {
            0 => new ChannelRequant(0, rng.Next(1, 63)),                    // alpha = 0
            1 => new ChannelRequant(rng.Next(), rng.Next(1, 63)),           // arbitrary
            2 => c,                                                         // alpha = 1
            _ => new ChannelRequant(c.Multiplier / 10, Math.Min(62, c.Shift + rng.Next(0, 4))), // ~0.1 / 2^k
        }).ToArray();
}

public class RequantizeStoreTests
{
    private static IEnumerable<RequantizeStoreVariant> Optimized =>
        RequantizeStore.Variants.Where(v => v.Isa != KernelIsa.Scalar && v.IsSupported);

    public static TheoryData<string> Formats() => new() { "u8", "u4", "i8", "i16", "p2", "p3", "p4" };

    private static (ActivationFormat, OutputRange) Parse(string f) => f switch
    {
        "u8" => (ActivationFormat.UInt8(3), OutputRange.UInt8(3, relu: true)),
        "u4" => (ActivationFormat.Unsigned(4), OutputRange.Unsigned(4)),
        "i8" => (ActivationFormat.Int8(-5), OutputRange.Int8(-5)),
        "i16" => (ActivationFormat.Int16(), OutputRange.Int16()),
        "p2" => (ActivationFormat.Packed(2), OutputRange.Unsigned(2)),
        "p3" => (ActivationFormat.Packed(3), OutputRange.Unsigned(3)),
        _ => (ActivationFormat.Packed(4), OutputRange.Unsigned(4)),
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void EveryVariantMatchesScalar(string f)
    {
        var (format, range) = Parse(f);
        int compared = 0;
        foreach (var v in Optimized)
        {
            int seed = 0;
            foreach (int total in new[] { 1, 3, 7, 8, 9, 15, 16, 17, 24, 33, 64, 67 })
            {
                foreach (int start in new[] { 0, 1, 4, 8 })
                {
                    if (start >= total)
                    {
                        continue;
                    }
                    foreach (int rows in new[] { 0, 1, 4 })
                    {
                        new RequantizeStoreTester().Rows(rows).Channels(start, total - start, total).Format(format, range)
                            .Seed(++seed).Extremes(seed % 3 == 0).Test(v);
                        compared++;
                    }
                }
            }
        }
        Assert.True(compared > 0 || !KernelIsaSupport.Available.Any(i => i != KernelIsa.Scalar),
            "a SIMD-capable CPU compared no optimized RequantizeStore variant");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void EveryVariantMatchesScalarLeaky(string f)
    {
        var (format, range) = Parse(f);
        if (f == "u8")
        {
            range = OutputRange.UInt8(3); // no fused ReLU, so the negative side is visible
        }
        int compared = 0;
        foreach (var v in Optimized)
        {
            int seed = 1000;
            foreach (int total in new[] { 1, 3, 7, 8, 9, 15, 16, 17, 24, 33, 64, 67 })
            {
                foreach (int start in new[] { 0, 1, 4, 8 })
                {
                    if (start >= total)
                    {
                        continue;
                    }
                    foreach (int rows in new[] { 0, 1, 4 })
                    {
                        new RequantizeStoreTester().Rows(rows).Channels(start, total - start, total).Format(format, range)
                            .Seed(++seed).Extremes(seed % 3 == 0).Leaky().Test(v);
                        compared++;
                    }
                }
            }
        }
        Assert.True(compared > 0 || !KernelIsaSupport.Available.Any(i => i != KernelIsa.Scalar),
            "a SIMD-capable CPU compared no optimized RequantizeStore variant (leaky)");
    }

    [Fact]
    public void ScalarLeakyMatchesPerElementFormula()
    {
        var rng = new Random(77);
        const int channels = 13, rows = 5;
        var range = OutputRange.Int8(-7);
        var pos = Enumerable.Range(0, channels).Select(_ => new ChannelRequant(rng.Next(1 << 30, int.MaxValue), rng.Next(30, 40))).ToArray();
        var neg = pos.Select(c => new ChannelRequant(c.Multiplier / 10, c.Shift)).ToArray();
        neg[0] = new ChannelRequant(0, 1);
        var bias = Enumerable.Range(0, channels).Select(_ => rng.Next(-50_000, 50_000)).ToArray();
        var p = RequantParams.Leaky(bias, pos, neg, range);
        var acc = Enumerable.Range(0, rows * channels).Select(i => i % 11 == 0 ? -bias[i % channels] : rng.Next(-1 << 22, 1 << 22)).ToArray();
        var output = new byte[rows * channels];
        RequantizeStoreReference.Run(acc, channels, rows, channels, 0, p, ActivationFormat.Int8(-7), output, channels);
        int negatives = 0;
        for (int i = 0; i < acc.Length; i++)
        {
            int c = i % channels;
            int v = acc[i] + bias[c];
            negatives += v < 0 ? 1 : 0;
            int expected = Requantization.Requantize(v, v >= 0 ? pos[c] : neg[c], range);
            Assert.True((sbyte)output[i] == expected, $"element {i} (channel {c}, v={v}): got {(sbyte)output[i]}, expected {expected}");
        }
        Assert.InRange(negatives, 10, acc.Length - 10);
    }

    [Fact]
    public void PlainParamsHaveNoNegativeSide()
    {
        var p = new RequantParams(new[] { 1 }, new[] { new ChannelRequant(1 << 30, 31) }, OutputRange.UInt8(0));
        Assert.False(p.HasNegative);
        Assert.True(p.NegativeMultipliers.IsEmpty);
        var l = RequantParams.Leaky(new[] { 1 }, new[] { new ChannelRequant(1 << 30, 31) }, new[] { new ChannelRequant(1 << 27, 31) },
            OutputRange.UInt8(0));
        Assert.True(l.HasNegative);
        Assert.True(l.WithBiasAdded(new long[] { 5 }).HasNegative);
        Assert.Equal(6, l.WithBiasAdded(new long[] { 5 }).Bias[0]);
        Assert.Throws<ArgumentException>(() => RequantParams.Leaky(new[] { 1 }, new[] { new ChannelRequant(1, 31) },
            Array.Empty<ChannelRequant>(), OutputRange.UInt8(0)));
        Assert.Throws<ArgumentException>(() => RequantParams.Leaky(new[] { 1 }, new[] { new ChannelRequant(1, 31) },
            new[] { new ChannelRequant(-1, 31) }, OutputRange.UInt8(0)));
    }

    [Fact]
    public void ScalarWritesTheRuleIntoEachStorage()
    {
        var p = new RequantParams(new[] { 10, 0, 0 }, new[] { new ChannelRequant(1 << 30, 31), new(1 << 30, 31), new(1 << 30, 31) },
            OutputRange.Unsigned(2));
        var packed = new byte[1];
        // (4+10)/2 = 7 -> clamp 3; 3/2 = 1.5 -> 2; -1/2 = -0.5 -> 0.
        RequantizeStoreReference.Run(new[] { 4, 3, -1 }, 3, 1, 3, 0, p, ActivationFormat.Packed(2), packed, 1);
        Assert.Equal(0b00_10_11, packed[0]);
    }
}
