using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Gemm;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.Conv;

/// <summary>Which extreme values to fill instead of random data.</summary>
public enum ConvExtreme
{
    None,
    /// <summary>Every input at its maximum, every weight at the format's minimum (e.g. 255 x -127).</summary>
    MaxInputMinWeights,
    /// <summary>Every input at its maximum, every weight at the format's maximum.</summary>
    MaxInputMaxWeights,
    /// <summary>Every input at its minimum, every weight at the format's minimum.</summary>
    MinInputMinWeights,
}

/// <summary>
/// Fluent tester of <see cref="QuantizedConv"/> (XNNPACK style): builds random (seeded) input,
/// weights, bias and multipliers for one shape and formats, runs every supported GEMM variant and
/// compares it with the scalar twin bit for bit (and the scalar twin with a naive direct
/// convolution). Failures name the variant, pixel, channel, shape and both values.
/// </summary>
public sealed class ConvTester
{
    private int inH = 4, inW = 4, cin = 8, cout = 8, kh = 1, kw = 1, sh = 1, sw = 1;
    private int padT, padL, padB, padR, groups = 1, seed = 1;
    private bool relu;
    private bool leaky;
    private ActivationFormat input = ActivationFormat.UInt8(0);
    private ActivationFormat output = ActivationFormat.UInt8(0);
    private LowBitFormat weightFormat = LowBitFormat.Int(8);
    private ConvExtreme extreme;

    public ConvTester InputSize(int h, int w) { inH = h; inW = w; return this; }
    public ConvTester Channels(int inChannels, int outChannels) { cin = inChannels; cout = outChannels; return this; }
    public ConvTester Kernel(int k) => Kernel(k, k);
    public ConvTester Kernel(int h, int w) { kh = h; kw = w; return this; }
    public ConvTester Stride(int s) => Stride(s, s);
    public ConvTester Stride(int h, int w) { sh = h; sw = w; return this; }
    public ConvTester Padding(int p) => Padding(p, p, p, p);
    public ConvTester Padding(int top, int left, int bottom, int right) { padT = top; padL = left; padB = bottom; padR = right; return this; }
    public ConvTester Groups(int g) { groups = g; return this; }
    public ConvTester InputFormat(ActivationFormat f) { input = f; return this; }
    public ConvTester OutputFormat(ActivationFormat f) { output = f; return this; }
    public ConvTester Weights(LowBitFormat f) { weightFormat = f; return this; }
    public ConvTester Relu(bool on = true) { relu = on; return this; }
    /// <summary>Fused LeakyReLU: negative values use a per-channel multiplier about 1/8 (shift + 3) of the positive one.</summary>
    public ConvTester Leaky(bool on = true) { leaky = on; return this; }
    public ConvTester Seed(int s) { seed = s; return this; }
    public ConvTester Extreme(ConvExtreme e) { extreme = e; return this; }

    public ConvGeometry Geometry => new(inH, inW, cin, cout, kh, kw, sh, sw, padT, padL, padB, padR, groups);

    public override string ToString() =>
        $"in {inH}x{inW}x{cin} -> {cout}, k {kh}x{kw}, s {sh}x{sw}, pad t{padT} l{padL} b{padB} r{padR}, groups {groups}, " +
        $"input {input}, weights {weightFormat}, output {output}{(relu ? " relu" : "")}{(leaky ? " leaky" : "")}, extreme {extreme}, seed {seed}";

    /// <summary>Runs every supported variant against the scalar twin; returns how many non-scalar variants were compared.</summary>
    public int Test() => Test(GemmKernels.Variants.Where(v => KernelIsaSupport.IsSupported(v.Isa)).ToArray());

    /// <summary>Runs the given variants against the scalar twin (whole image and in two row ranges).</summary>
    public int Test(params GemmVariant[] variants)
    {
        var c = Build();
        var scalar = c.Conv.WithVariant(GemmKernels.Scalar);
        byte[] expected = RunSplit(scalar, c.Input, 1);
        int compared = 0;
        foreach (var v in variants)
        {
            var conv = c.Conv.WithVariant(v);
            Compare(v.Name, expected, RunSplit(conv, c.Input, 1));
            Compare(v.Name + " (row ranges)", expected, RunSplit(conv, c.Input, 3));
            if (v.Isa != KernelIsa.Scalar)
            {
                compared++;
            }
        }
        return compared;
    }

    /// <summary>Checks the scalar convolution against a naive direct NHWC convolution with per-element requantization.</summary>
    public void TestAgainstNaive()
    {
        var c = Build();
        var g = Geometry;
        byte[] actual = RunSplit(c.Conv.WithVariant(GemmKernels.Scalar), c.Input, 1);
        var range = Range();
        int ci = g.InChannelsPerGroup, co = g.OutChannelsPerGroup;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                for (int oc = 0; oc < cout; oc++)
                {
                    int grp = oc / co;
                    long acc = c.Bias[oc];
                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int iy = oy * sh - padT + ky, ix = ox * sw - padL + kx;
                            for (int i = 0; i < ci; i++)
                            {
                                int x = iy < 0 || iy >= inH || ix < 0 || ix >= inW
                                    ? input.ZeroPoint
                                    : c.Values[(iy * inW + ix) * cin + grp * ci + i];
                                acc += (long)(x - input.ZeroPoint) * c.Weights[((oc * kh + ky) * kw + kx) * ci + i];
                            }
                        }
                    }
                    Assert.InRange(acc, int.MinValue, int.MaxValue);
                    var multiplier = c.Negative is { } neg && acc < 0 ? neg[oc] : c.Requant[oc];
                    int want = Requantization.Requantize((int)acc, multiplier, range);
                    int pixel = oy * g.OutWidth + ox;
                    int got = Read(actual, pixel, oc);
                    if (got != want)
                    {
                        Assert.Fail($"Scalar conv vs naive: pixel {pixel} (y {oy}, x {ox}), channel {oc}: naive {want}, scalar {got}; acc {acc}; {this}");
                    }
                }
            }
        }
    }

    private sealed record Case(QuantizedConv Conv, byte[] Input, int[] Values, sbyte[] Weights, int[] Bias, ChannelRequant[] Requant,
        ChannelRequant[]? Negative);

    private OutputRange Range()
    {
        int zp = output.ZeroPoint;
        return new OutputRange(zp, relu ? Math.Max(zp, output.Min) : output.Min, output.Max);
    }

    private Case Build()
    {
        var g = Geometry;
        var rng = new Random(seed);
        int n = inH * inW * cin;
        var values = new int[n];
        int aMin = input.Min, aMax = input.Max;
        for (int i = 0; i < n; i++)
        {
            values[i] = extreme switch
            {
                ConvExtreme.None => rng.Next(aMin, aMax + 1),
                ConvExtreme.MinInputMinWeights => aMin,
                _ => aMax,
            };
        }
        byte[] inBytes = new byte[inH * inW * input.PixelBytes(cin)];
        for (int p = 0; p < inH * inW; p++)
        {
            if (input.Storage == ActivationStorage.PackedUnsigned)
            {
                var px = values.AsSpan(p * cin, cin).ToArray().Select(v => (byte)v).ToArray();
                BitPacking.Pack(px, input.LowBit, inBytes.AsSpan(p * input.PixelBytes(cin), input.PixelBytes(cin)));
            }
            else
            {
                for (int i = 0; i < cin; i++)
                {
                    inBytes[p * cin + i] = (byte)values[p * cin + i];
                }
            }
        }
        int k = g.ReductionSize;
        var weights = new sbyte[cout * k];
        int wMin = weightFormat.Bits == 8 ? -127 : weightFormat.MinValue, wMax = weightFormat.MaxValue;
        for (int i = 0; i < weights.Length; i++)
        {
            int v = extreme switch
            {
                ConvExtreme.None => rng.Next(wMin, wMax + 1),
                ConvExtreme.MaxInputMaxWeights => wMax,
                _ => wMin,
            };
            if (weightFormat.Encoding == LowBitEncoding.OddLevel && (v & 1) == 0)
            {
                v += v < wMax ? 1 : -1;
            }
            weights[i] = (sbyte)v;
        }
        int maxW = Math.Max(-wMin, wMax);
        int zpA = input.ZeroPoint;
        int devA = Math.Max(zpA - aMin, aMax - zpA);
        long spread = Math.Max(1L, (long)Math.Sqrt(k) * devA * maxW / 2);
        var bias = new int[cout];
        var requant = new ChannelRequant[cout];
        int outSpan = Math.Min(output.Max - output.Min, 1 << 12);
        int baseShift = 31 + (int)Math.Round(Math.Log2(spread / (double)Math.Max(1, outSpan / 2)));
        for (int c = 0; c < cout; c++)
        {
            bias[c] = extreme == ConvExtreme.None ? (int)rng.NextInt64(-spread, spread + 1) : 0;
            int shift = Math.Clamp(baseShift + rng.Next(-1, 2), 1, 62);
            requant[c] = new ChannelRequant(rng.Next(1 << 30, int.MaxValue), shift);
        }
        ChannelRequant[]? negative = leaky
            ? requant.Select(r => r with { Shift = Math.Min(r.Shift + 3, Requantization.MaxShift) }).ToArray()
            : null;
        var packed = new PackedConvWeights(g, weights, weightFormat);
        var conv = QuantizedConv.Prepare(g, input, packed, bias, requant, output, Range(), GemmKernels.Scalar, negative);
        return new Case(conv, inBytes, values, weights, bias, requant, negative);
    }

    private static byte[] RunSplit(QuantizedConv conv, byte[] input, int parts)
    {
        var outBytes = new byte[conv.OutputBytes];
        outBytes.AsSpan().Fill(0xA5);
        var scratch = new byte[conv.ScratchBytes];
        int h = conv.Geometry.OutHeight;
        for (int i = 0; i < parts; i++)
        {
            int start = h * i / parts, end = h * (i + 1) / parts;
            scratch.AsSpan().Fill(0x5A);
            conv.Run(input, outBytes, scratch, start, end);
        }
        return outBytes;
    }

    private int Read(byte[] outBytes, int pixel, int channel)
    {
        int pb = output.PixelBytes(cout);
        return output.Storage switch
        {
            ActivationStorage.UInt8 => outBytes[pixel * pb + channel],
            ActivationStorage.Int8 => (sbyte)outBytes[pixel * pb + channel],
            ActivationStorage.Int16 => (short)(outBytes[pixel * pb + 2 * channel] | (outBytes[pixel * pb + 2 * channel + 1] << 8)),
            _ => (outBytes[pixel * pb + channel / output.LowBit.PerByte] >> (channel % output.LowBit.PerByte * output.LowBit.ContainerBits))
                 & ((1 << output.Bits) - 1),
        };
    }

    private void Compare(string variant, byte[] expected, byte[] actual)
    {
        if (expected.AsSpan().SequenceEqual(actual))
        {
            return;
        }
        var g = Geometry;
        for (int p = 0; p < g.OutHeight * g.OutWidth; p++)
        {
            for (int c = 0; c < cout; c++)
            {
                int want = Read(expected, p, c), got = Read(actual, p, c);
                if (want != got)
                {
                    Assert.Fail($"{variant}: pixel {p} (y {p / g.OutWidth}, x {p % g.OutWidth}), channel {c}: scalar {want}, {variant} {got}; {this}");
                }
            }
        }
        int first = expected.AsSpan().CommonPrefixLength(actual);
        Assert.Fail($"{variant}: output byte {first} differs outside any channel value (scalar {expected[first]:X2}, got {actual[first]:X2}); {this}");
    }
}
