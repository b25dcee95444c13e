using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Resize;

/// <summary>Fluent tester of the integer bilinear resize: variants vs the scalar twin (bit-exact), the twin vs float (1 LSB).</summary>
public sealed class BilinearTester
{
    private int batch = 1, inH = 4, inW = 5, outH = 7, outW = 9, channels = 8;
    private bool signed;
    private BilinearCoordinates mode = BilinearCoordinates.HalfPixel;
    private int seed = 1;

    public BilinearTester Batch(int n) { batch = n; return this; }
    public BilinearTester In(int h, int w) { inH = h; inW = w; return this; }
    public BilinearTester Out(int h, int w) { outH = h; outW = w; return this; }
    public BilinearTester Channels(int c) { channels = c; return this; }
    public BilinearTester Signed(bool value = true) { signed = value; return this; }
    public BilinearTester Mode(BilinearCoordinates m) { mode = m; return this; }
    public BilinearTester Seed(int s) { seed = s; return this; }

    public void Test(BilinearVariant variant)
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

    private void Run<T>(BilinearVariant variant, ActivationFormat format, int min, int max) where T : unmanaged
    {
        var p = new BilinearParams(batch, inH, inW, outH, outW, channels, format, mode);
        var rng = new Random(seed);
        T[] input = VariantSweep.RandomElements<T>(rng, p.InputElements, min, max);
        var expected = new T[p.OutputElements];
        BilinearKernels.Scalar.Run(p, input, expected.AsSpan());
        string shape = $"N={batch} in={inH}x{inW} out={outH}x{outW} C={channels} {format} {mode} seed={seed}";
        // scalar twin against a float bilinear with the same coordinate convention, within 1 LSB
        int o = 0;
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                Coordinate(oy, inH, outH, out int ya, out int yb, out double fy);
                for (int ox = 0; ox < outW; ox++)
                {
                    Coordinate(ox, inW, outW, out int xa, out int xb, out double fx);
                    for (int c = 0; c < channels; c++, o++)
                    {
                        double At(int y, int x) => VariantSweep.Int(input[((n * inH + y) * inW + x) * channels + c]);
                        double top = At(ya, xa) * (1 - fx) + At(ya, xb) * fx;
                        double bottom = At(yb, xa) * (1 - fx) + At(yb, xb) * fx;
                        double want = top * (1 - fy) + bottom * fy;
                        int got = VariantSweep.Int(expected[o]);
                        if (Math.Abs(got - want) > 1.0) { Assert.Fail($"scalar vs float: index {o} (n={n} oy={oy} ox={ox} c={c}): float {want:F3}, scalar {got}; {shape}"); }
                    }
                }
            }
        }
        var actual = new T[p.OutputElements];
        variant.Run(p, input, actual.AsSpan());
        for (int i = 0; i < actual.Length; i++)
        {
            if (VariantSweep.Int(expected[i]) != VariantSweep.Int(actual[i])) { Assert.Fail($"{variant.Name}: index {i} (pixel {i / channels}, channel {i % channels}): scalar {VariantSweep.Int(expected[i])}, variant {VariantSweep.Int(actual[i])}; {shape}"); }
        }
    }

    private void Coordinate(int d, int inSize, int outSize, out int i0, out int i1, out double frac)
    {
        double src = mode switch
        {
            BilinearCoordinates.HalfPixel => (d + 0.5) * inSize / outSize - 0.5,
            BilinearCoordinates.Asymmetric => (double)d * inSize / outSize,
            _ => outSize > 1 ? (double)d * (inSize - 1) / (outSize - 1) : 0,
        };
        src = Math.Clamp(src, 0, inSize - 1);
        i0 = (int)Math.Floor(src);
        i1 = Math.Min(i0 + 1, inSize - 1);
        frac = src - i0;
    }
}
