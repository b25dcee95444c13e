using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Pooling;

/// <summary>Fluent tester of the max pool: each variant vs the scalar twin, and the twin vs a naive loop.</summary>
public sealed class MaxPoolTester
{
    private int batch = 1, height = 5, width = 5, channels = 8, kernel = 3, stride = 1;
    private int padTop, padLeft, padBottom, padRight;
    private bool signed;
    private int seed = 1;

    public MaxPoolTester Batch(int n) { batch = n; return this; }
    public MaxPoolTester Size(int h, int w) { height = h; width = w; return this; }
    public MaxPoolTester Channels(int c) { channels = c; return this; }
    public MaxPoolTester Kernel(int k) { kernel = k; return this; }
    public MaxPoolTester Stride(int s) { stride = s; return this; }
    public MaxPoolTester Padding(int top, int left, int bottom, int right) { padTop = top; padLeft = left; padBottom = bottom; padRight = right; return this; }
    public MaxPoolTester Padding(int pad) => Padding(pad, pad, pad, pad);
    public MaxPoolTester Signed(bool value = true) { signed = value; return this; }
    public MaxPoolTester Seed(int s) { seed = s; return this; }

    private PoolGeometry Geometry => new(batch, height, width, channels, kernel, kernel, stride, stride, padTop, padLeft, padBottom, padRight);

    public void Test(MaxPoolVariant variant)
    {
        if (signed)
        {
            Run<sbyte>(variant, ActivationFormat.Int8(0), -128, 127);
        }
        else
        {
            Run<byte>(variant, ActivationFormat.UInt8(0), 0, 255);
        }
    }

    private void Run<T>(MaxPoolVariant variant, ActivationFormat format, int min, int max) where T : unmanaged
    {
        var g = Geometry;
        var p = new MaxPoolParams(g, format);
        var rng = new Random(seed);
        // mostly the minimum value, so that a padded position that wrongly counted as 0 / zp would win
        T[] input = VariantSweep.RandomElements<T>(rng, g.InputElements, min, max);
        for (int i = 0; i < input.Length; i++)
        {
            if (rng.Next(3) != 0)
            {
                input[i] = ElementIo.FromInt<T>(min + rng.Next(3));
            }
        }
        var expected = new T[g.OutputElements];
        MaxPoolKernels.Scalar.Run(p, input, expected.AsSpan());
        string shape = $"N={batch} H={height} W={width} C={channels} k={kernel} s={stride} pad={padTop},{padLeft},{padBottom},{padRight} {format} seed={seed}";
        // scalar twin against a naive loop over the padded window
        int o = 0;
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    for (int c = 0; c < channels; c++, o++)
                    {
                        int best = int.MinValue;
                        for (int ky = 0; ky < kernel; ky++)
                        {
                            for (int kx = 0; kx < kernel; kx++)
                            {
                                int y = oy * stride - padTop + ky, x = ox * stride - padLeft + kx;
                                if (y >= 0 && y < height && x >= 0 && x < width)
                                {
                                    best = Math.Max(best, VariantSweep.Int(input[((n * height + y) * width + x) * channels + c]));
                                }
                            }
                        }
                        if (best != VariantSweep.Int(expected[o])) { Assert.Fail($"scalar vs naive: index {o} (n={n} oy={oy} ox={ox} c={c}): naive {best}, scalar {VariantSweep.Int(expected[o])}; {shape}"); }
                    }
                }
            }
        }
        var actual = new T[g.OutputElements];
        variant.Run(p, input, actual.AsSpan());
        for (int i = 0; i < actual.Length; i++)
        {
            if (VariantSweep.Int(expected[i]) != VariantSweep.Int(actual[i])) { Assert.Fail($"{variant.Name}: index {i} (channel {i % channels}): scalar {VariantSweep.Int(expected[i])}, variant {VariantSweep.Int(actual[i])}; {shape}"); }
        }
    }
}
