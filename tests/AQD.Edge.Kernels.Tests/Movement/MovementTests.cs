using AQD.Edge.Kernels.Movement;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Movement;

/// <summary>Fluent tester of the channel concatenation against the index formula (pure copy: no SIMD twin).</summary>
public sealed class ConcatChannelsTester
{
    private int pixels = 6, seed = 1;
    private int[] channels = [3, 5];

    public ConcatChannelsTester Pixels(int n) { pixels = n; return this; }
    public ConcatChannelsTester Inputs(params int[] c) { channels = c; return this; }
    public ConcatChannelsTester Seed(int s) { seed = s; return this; }

    public void Test<T>(int min, int max) where T : unmanaged
    {
        var p = new ConcatChannelsParams(pixels, channels);
        var rng = new Random(seed);
        var inputs = channels.Select(c => (ReadOnlyMemory<T>)VariantSweep.RandomElements<T>(rng, pixels * c, min, max)).ToArray();
        var output = new T[pixels * p.OutputChannels];
        ConcatChannels.Run(p, output.AsSpan(), inputs.AsSpan());
        for (int px = 0; px < pixels; px++)
        {
            int oc = 0;
            for (int i = 0; i < channels.Length; i++)
            {
                for (int c = 0; c < channels[i]; c++, oc++)
                {
                    int want = VariantSweep.Int(inputs[i].Span[px * channels[i] + c]);
                    int got = VariantSweep.Int(output[px * p.OutputChannels + oc]);
                    if (want != got) { Assert.Fail($"concat: index {px * p.OutputChannels + oc} (pixel {px}, input {i}, channel {c}): want {want}, got {got}; pixels={pixels} channels=[{string.Join(",", channels)}] {typeof(T).Name}"); }
                }
            }
        }
    }
}

/// <summary>Fluent tester of the channel shuffle against the index formula.</summary>
public sealed class ChannelShuffleTester
{
    private int pixels = 5, channels = 8, groups = 2, seed = 1;

    public ChannelShuffleTester Pixels(int n) { pixels = n; return this; }
    public ChannelShuffleTester Channels(int c) { channels = c; return this; }
    public ChannelShuffleTester Groups(int g) { groups = g; return this; }
    public ChannelShuffleTester Seed(int s) { seed = s; return this; }

    public void Test<T>(int min, int max) where T : unmanaged
    {
        var p = new ChannelShuffleParams(pixels, channels, groups);
        T[] input = VariantSweep.RandomElements<T>(new Random(seed), pixels * channels, min, max);
        var output = new T[pixels * channels];
        ChannelShuffle.Run(p, input, output.AsSpan());
        int perGroup = channels / groups;
        for (int px = 0; px < pixels; px++)
        {
            for (int oc = 0; oc < channels; oc++)
            {
                // [C/g][g] position (j, i) holds [g][C/g] position (i, j)
                int j = oc / groups, i = oc % groups;
                int want = VariantSweep.Int(input[px * channels + i * perGroup + j]);
                int got = VariantSweep.Int(output[px * channels + oc]);
                if (want != got) { Assert.Fail($"shuffle: index {px * channels + oc} (pixel {px}, channel {oc}): want {want}, got {got}; pixels={pixels} C={channels} g={groups} {typeof(T).Name}"); }
            }
        }
    }
}

public class MovementTests
{
    [Fact]
    public void Concat_ChannelSweep()
    {
        foreach (int c in Enumerable.Range(1, 67))
        {
            new ConcatChannelsTester().Inputs(c, 67 - c + 1).Seed(c).Test<byte>(0, 255);
            new ConcatChannelsTester().Inputs(c, 3, c + 1).Pixels(3).Seed(c).Test<sbyte>(-128, 127);
            new ConcatChannelsTester().Inputs(c).Pixels(2).Seed(c).Test<short>(short.MinValue, short.MaxValue);
        }
        new ConcatChannelsTester().Inputs(64, 128, 256, 512).Pixels(4).Test<byte>(0, 255);
        new ConcatChannelsTester().Inputs(5, 6).Pixels(0).Test<byte>(0, 255);
    }

    [Fact]
    public void Shuffle_ChannelAndGroupSweep()
    {
        foreach (int c in Enumerable.Range(1, 67).Concat([116, 232]))
        {
            foreach (int g in new[] { 1, 2, 3, 4, 8 })
            {
                if (c % g == 0)
                {
                    new ChannelShuffleTester().Channels(c).Groups(g).Seed(c * 10 + g).Test<byte>(0, 255);
                    new ChannelShuffleTester().Channels(c).Groups(g).Pixels(2).Seed(c).Test<short>(short.MinValue, short.MaxValue);
                }
            }
        }
        new ChannelShuffleTester().Channels(6).Groups(2).Test<sbyte>(-128, 127);
    }

    [Fact]
    public void Shuffle_TwoGroupsInterleaves()
    {
        var p = new ChannelShuffleParams(1, 6, 2);
        byte[] input = [0, 1, 2, 10, 11, 12];
        var output = new byte[6];
        ChannelShuffle.Run(p, input, output.AsSpan());
        Assert.Equal(new byte[] { 0, 10, 1, 11, 2, 12 }, output);
    }

    [Fact]
    public void Slice_ChannelSweep()
    {
        var rng = new Random(13);
        foreach (int c in Enumerable.Range(1, 40).Concat([124]))
        {
            int first = rng.Next(c), width = rng.Next(1, c - first + 1);
            int pixels = rng.Next(0, 7);
            var p = new ChannelSliceParams(pixels, c, first, width);
            byte[] input = VariantSweep.RandomElements<byte>(rng, pixels * c, 0, 255);
            var output = new byte[pixels * width];
            ChannelSlice.Run<byte>(p, input, output);
            for (int px = 0; px < pixels; px++)
            {
                for (int k = 0; k < width; k++)
                {
                    if (output[px * width + k] != input[px * c + first + k]) { Assert.Fail($"slice: pixel {px} channel {k} of [{first}, +{width}) of {c}"); }
                }
            }
            short[] wide = VariantSweep.RandomElements<short>(rng, pixels * c, short.MinValue, short.MaxValue);
            var wideOut = new short[pixels * width];
            ChannelSlice.Run<short>(p, wide, wideOut);
            Assert.Equal(Enumerable.Range(0, pixels).SelectMany(px => wide.Skip(px * c + first).Take(width)), wideOut);
        }
    }

    [Fact]
    public void Validation_NamesTheField()
    {
        Assert.Equal("first", Assert.Throws<ArgumentException>(() => new ChannelSliceParams(1, 6, 4, 3)).ParamName);
        Assert.Equal("first", Assert.Throws<ArgumentException>(() => new ChannelSliceParams(1, 6, -1, 3)).ParamName);
        Assert.Throws<ArgumentException>(() => ChannelSlice.Run<byte>(new ChannelSliceParams(2, 6, 1, 3), new byte[11], new byte[6]));
        Assert.Equal("groups", Assert.Throws<ArgumentException>(() => new ChannelShuffleParams(1, 6, 4)).ParamName);
        Assert.Equal("inputChannels", Assert.Throws<ArgumentException>(() => new ConcatChannelsParams(1, [3, 0])).ParamName);
        Assert.Equal("inputChannels", Assert.Throws<ArgumentException>(() => new ConcatChannelsParams(1, [])).ParamName);
    }
}
