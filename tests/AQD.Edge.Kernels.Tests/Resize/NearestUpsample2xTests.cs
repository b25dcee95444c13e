using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Resize;

/// <summary>Fluent tester of the 2x nearest upsample against the index formula (pure copy: no SIMD twin).</summary>
public sealed class NearestUpsample2xTester
{
    private int batch = 1, height = 3, width = 4, channels = 5, seed = 1;

    public NearestUpsample2xTester Batch(int n) { batch = n; return this; }
    public NearestUpsample2xTester Size(int h, int w) { height = h; width = w; return this; }
    public NearestUpsample2xTester Channels(int c) { channels = c; return this; }
    public NearestUpsample2xTester Seed(int s) { seed = s; return this; }

    public void Test<T>(int min, int max) where T : unmanaged
    {
        var p = new NearestUpsample2xParams(batch, height, width, channels);
        T[] input = VariantSweep.RandomElements<T>(new Random(seed), p.InputElements, min, max);
        var output = new T[p.OutputElements];
        NearestUpsample2x.Run(p, input, output.AsSpan());
        int o = 0;
        for (int n = 0; n < batch; n++)
        {
            for (int y = 0; y < 2 * height; y++)
            {
                for (int x = 0; x < 2 * width; x++)
                {
                    for (int c = 0; c < channels; c++, o++)
                    {
                        int want = VariantSweep.Int(input[((n * height + y / 2) * width + x / 2) * channels + c]);
                        if (want != VariantSweep.Int(output[o])) { Assert.Fail($"upsample: index {o} (n={n} y={y} x={x} c={c}): want {want}, got {VariantSweep.Int(output[o])}; N={batch} H={height} W={width} C={channels} {typeof(T).Name}"); }
                    }
                }
            }
        }
    }
}

public class NearestUpsample2xTests
{
    [Fact]
    public void Channels1To67_AllElementTypes()
    {
        foreach (int c in Enumerable.Range(1, 67).Concat([128, 255]))
        {
            new NearestUpsample2xTester().Channels(c).Seed(c).Test<byte>(0, 255);
            new NearestUpsample2xTester().Channels(c).Size(2, 3).Batch(2).Seed(c).Test<sbyte>(-128, 127);
            new NearestUpsample2xTester().Channels(c).Size(1, 5).Seed(c).Test<short>(short.MinValue, short.MaxValue);
        }
    }

    [Fact]
    public void Validation_NamesTheField()
    {
        Assert.Equal("channels", Assert.Throws<ArgumentException>(() => new NearestUpsample2xParams(1, 2, 2, 0)).ParamName);
        Assert.Equal("width", Assert.Throws<ArgumentException>(() => new NearestUpsample2xParams(1, 2, -1, 3)).ParamName);
    }
}
