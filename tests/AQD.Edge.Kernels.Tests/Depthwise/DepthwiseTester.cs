using System.Buffers.Binary;
using System.Numerics;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Depthwise;

/// <summary>
/// Fluent tester (XNNPACK style): builds a random depthwise convolution, runs a variant and the
/// scalar twin (or the scalar twin and a naive direct convolution) and compares the output bytes.
/// </summary>
public sealed class DepthwiseTester
{
    private int channels = 8, kernelH = 3, kernelW = 3, strideH = 1, strideW = 1;
    private int padTop = 1, padLeft = 1, padBottom = 1, padRight = 1, inHeight = 5, inWidth = 5, seed = 1;
    private ActivationFormat inputFormat = ActivationFormat.UInt8(0);
    private LowBitFormat weightFormat = LowBitFormat.Int(8);
    private ActivationFormat outputFormat = ActivationFormat.UInt8(0);
    private OutputRange outputRange = OutputRange.UInt8(0);
    private bool extremes, fromBlob;

    public DepthwiseTester Channels(int value) { channels = value; return this; }
    public DepthwiseTester Kernel(int k) => Kernel(k, k);
    public DepthwiseTester Kernel(int h, int w) { kernelH = h; kernelW = w; return this; }
    public DepthwiseTester Stride(int s) => Stride(s, s);
    public DepthwiseTester Stride(int h, int w) { strideH = h; strideW = w; return this; }
    public DepthwiseTester Padding(int top, int left, int bottom, int right) { padTop = top; padLeft = left; padBottom = bottom; padRight = right; return this; }
    public DepthwiseTester Input(int height, int width) { inHeight = height; inWidth = width; return this; }
    public DepthwiseTester InputFormat(ActivationFormat value) { inputFormat = value; return this; }
    public DepthwiseTester WeightFormat(LowBitFormat value) { weightFormat = value; return this; }
    public DepthwiseTester OutputFormat(ActivationFormat value, OutputRange range) { outputFormat = value; outputRange = range; return this; }
    public DepthwiseTester Extremes(bool value = true) { extremes = value; return this; }
    /// <summary>Run through <see cref="DepthwiseConvolution.FromPackedWeights"/> of the prepared op's bytes.</summary>
    public DepthwiseTester FromBlob(bool value = true) { fromBlob = value; return this; }
    public DepthwiseTester Seed(int value) { seed = value; return this; }

    public ConvGeometry Geometry => new(inHeight, inWidth, channels, channels, kernelH, kernelW, strideH, strideW,
        padTop, padLeft, padBottom, padRight, channels);

    private string Describe() =>
        $"C={channels} in={inHeight}x{inWidth} k={kernelH}x{kernelW} s={strideH}x{strideW} pad(t,l,b,r)={padTop},{padLeft},{padBottom},{padRight} " +
        $"input={inputFormat} weights={weightFormat} output={outputFormat} range={outputRange} extremes={extremes} seed={seed}";

    /// <summary>Runs every supported non-scalar variant against the scalar twin; returns how many ran.</summary>
    public int TestAll()
    {
        int compared = 0;
        foreach (var v in DepthwiseKernels.Variants)
        {
            if (v.Isa != KernelIsa.Scalar && KernelIsaSupport.IsSupported(v.Isa))
            {
                Test(v);
                compared++;
            }
        }
        return compared;
    }

    /// <summary>Compares one variant with the scalar twin (whole image, then in two row bands with a dirty scratch).</summary>
    public void Test(DepthwiseVariant variant)
    {
        var c = Build();
        var rng = new Random(seed + 7);
        var garbage = new byte[c.Op.OutputBytes];
        rng.NextBytes(garbage);
        var expected = (byte[])garbage.Clone();
        var scratch = new byte[c.Op.ScratchBytes];
        rng.NextBytes(scratch);
        c.Op.Run(DepthwiseKernels.Scalar, c.Input, expected, scratch, 0, c.Op.Geometry.OutHeight);

        var actual = (byte[])garbage.Clone();
        rng.NextBytes(scratch);
        c.Op.Run(variant, c.Input, actual, scratch, 0, c.Op.Geometry.OutHeight);
        Compare(variant.Name + " (all rows)", expected, actual);

        int outH = c.Op.Geometry.OutHeight, split = rng.Next(0, outH + 1);
        actual = (byte[])garbage.Clone();
        rng.NextBytes(scratch);
        c.Op.Run(variant, c.Input, actual, scratch, 0, split);
        rng.NextBytes(scratch);
        c.Op.Run(variant, c.Input, actual, scratch, split, outH);
        Compare($"{variant.Name} (rows [0,{split}) + [{split},{outH}))", expected, actual);
    }

    /// <summary>Compares the scalar twin with a naive direct convolution (Requantization.Requantize per element).</summary>
    public void TestScalarAgainstNaive()
    {
        var c = Build();
        var g = c.Op.Geometry;
        var expected = new byte[c.Op.OutputBytes];
        int outPixel = outputFormat.PixelBytes(channels);
        var pixel = new int[channels];
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                for (int ch = 0; ch < channels; ch++)
                {
                    long acc = c.Bias[ch];
                    for (int ky = 0; ky < kernelH; ky++)
                    {
                        for (int kx = 0; kx < kernelW; kx++)
                        {
                            int iy = oy * strideH + ky - padTop, ix = ox * strideW + kx - padLeft;
                            if (iy < 0 || iy >= inHeight || ix < 0 || ix >= inWidth)
                            {
                                continue; // padding holds the zero point: contributes 0
                            }
                            acc += (long)c.Weights[(ch * kernelH + ky) * kernelW + kx] *
                                   (c.Values[(iy * inWidth + ix) * channels + ch] - inputFormat.ZeroPoint);
                        }
                    }
                    Assert.InRange(acc, int.MinValue, int.MaxValue);
                    pixel[ch] = Requantization.Requantize((int)acc, c.Requant[ch], outputRange);
                }
                Encode(pixel, outputFormat, expected.AsSpan((oy * g.OutWidth + ox) * outPixel, outPixel));
            }
        }
        var actual = new byte[c.Op.OutputBytes];
        c.Op.Run(DepthwiseKernels.Scalar, c.Input, actual, new byte[c.Op.ScratchBytes], 0, g.OutHeight);
        Compare("Scalar vs naive", expected, actual);
    }

    private void Compare(string what, byte[] expected, byte[] actual)
    {
        int outPixel = outputFormat.PixelBytes(channels), outW = Geometry.OutWidth;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                int p = i / outPixel;
                Assert.Fail($"{what}: output byte {i} (pixel y={p / outW} x={p % outW}, byte {i % outPixel} of {outPixel}) " +
                            $"is {actual[i]}, reference {expected[i]}; {Describe()}");
            }
        }
    }

    /// <summary>The prepared op of the current settings.</summary>
    public DepthwiseConvolution BuildForTests() => Build().Op;

    private sealed record Case(DepthwiseConvolution Op, byte[] Input, int[] Values, sbyte[] Weights, int[] Bias, ChannelRequant[] Requant);

    private Case Build()
    {
        var g = Geometry;
        var rng = new Random(seed);
        int taps = kernelH * kernelW;

        // Input values in the storage's range (extremes: only its ends).
        (int xMin, int xMax) = inputFormat.Storage switch
        {
            ActivationStorage.Int8 => (-128, 127),
            ActivationStorage.Int16 => (short.MinValue, short.MaxValue),
            _ => (0, (1 << inputFormat.Bits) - 1),
        };
        var values = new int[inHeight * inWidth * channels];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = extremes ? (rng.Next(2) == 0 ? xMin : xMax) : rng.Next(xMin, xMax + 1);
        }
        var input = EncodeImage(values, inHeight * inWidth);

        // Weights: levels of the format; -128 is not allowed.
        int wMin = Math.Max(weightFormat.MinValue, -127), wMax = weightFormat.MaxValue;
        var weights = new sbyte[channels * taps];
        for (int i = 0; i < weights.Length; i++)
        {
            int v;
            do
            {
                v = extremes ? (rng.Next(2) == 0 ? wMin : wMax) : rng.Next(wMin, wMax + 1);
            }
            while (!weightFormat.IsLevel(v));
            weights[i] = (sbyte)v;
        }
        byte[] weightBytes;
        if (weightFormat.Bits == 8)
        {
            weightBytes = weights.Select(w => (byte)w).ToArray();
        }
        else
        {
            weightBytes = new byte[weightFormat.PackedBytes(weights.Length)];
            BitPacking.Pack(weights, weightFormat, weightBytes);
        }

        // Typical |acc| ~ sqrt(taps) * max|w| * max|x - zp|; pick multipliers mapping it to the output span.
        long xDev = Math.Max(Math.Abs((long)xMax - inputFormat.ZeroPoint), Math.Abs((long)xMin - inputFormat.ZeroPoint));
        long accTypical = Math.Max(1, (long)Math.Sqrt(taps) * Math.Max(Math.Abs(wMin), wMax) * Math.Max(1, xDev));
        int outSpan = Math.Max(1, outputRange.Max - outputRange.Min);
        var requant = new ChannelRequant[channels];
        var bias = new int[channels];
        for (int ch = 0; ch < channels; ch++)
        {
            int shift = 31 + BitOperations.Log2((ulong)accTypical) - BitOperations.Log2((uint)outSpan) + rng.Next(-1, 2);
            requant[ch] = new ChannelRequant(rng.Next(1 << 30, int.MaxValue), Math.Clamp(shift, Requantization.MinShift, Requantization.MaxShift));
            bias[ch] = extremes ? (rng.Next(2) == 0 ? -1 : 1) * (int)Math.Min(int.MaxValue / 4, accTypical * 4) : (int)rng.NextInt64(-accTypical, accTypical + 1);
        }

        var op = DepthwiseConvolution.Prepare(g, inputFormat, weightBytes, weightFormat, bias, requant, outputRange, outputFormat);
        if (fromBlob)
        {
            var blob = op.PackedWeights.ToArray();
            op = DepthwiseConvolution.FromPackedWeights(g, inputFormat, blob, bias, requant, outputRange, outputFormat);
        }
        return new Case(op, input, values, weights, bias, requant);
    }

    private byte[] EncodeImage(int[] values, int pixels)
    {
        int pixelBytes = inputFormat.PixelBytes(channels);
        var bytes = new byte[pixels * pixelBytes];
        for (int p = 0; p < pixels; p++)
        {
            Encode(values.AsSpan(p * channels, channels), inputFormat, bytes.AsSpan(p * pixelBytes, pixelBytes));
        }
        return bytes;
    }

    private static void Encode(ReadOnlySpan<int> values, ActivationFormat format, Span<byte> pixel)
    {
        switch (format.Storage)
        {
            case ActivationStorage.PackedUnsigned:
                var b = new byte[values.Length];
                for (int i = 0; i < b.Length; i++)
                {
                    b[i] = (byte)values[i];
                }
                BitPacking.Pack(b, format.LowBit, pixel);
                break;
            case ActivationStorage.Int16:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteInt16LittleEndian(pixel.Slice(2 * i), (short)values[i]);
                }
                break;
            default:
                for (int i = 0; i < values.Length; i++)
                {
                    pixel[i] = (byte)values[i];
                }
                break;
        }
    }

    /// <summary>Fails when a SIMD-capable CPU compared no optimized variant (a silently unsupported variant is no pass).</summary>
    public static void AssertSimdCovered(int compared)
    {
        if (VariantSweep.SimdCpu)
        {
            Assert.True(compared > 0, "No optimized depthwise variant ran on a SIMD-capable CPU.");
        }
    }
}
