using System.Buffers.Binary;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.Elementwise;

/// <summary>Fluent tester of Requantize: every variant against the scalar twin (bytes, bit for bit), the twin against an Int128 formula.</summary>
public sealed class RequantizeTester
{
    private ActivationFormat input = ActivationFormat.Int8(0), output = ActivationFormat.Int8(0);
    private double scaleIn = 0.05, scaleOut = 0.05;
    private int pixels = 1, channels = 16, seed = 1;

    public RequantizeTester Input(ActivationFormat f, double scale) { input = f; scaleIn = scale; return this; }
    public RequantizeTester Output(ActivationFormat f, double scale) { output = f; scaleOut = scale; return this; }
    public RequantizeTester Shape(int pixelCount, int channelCount) { pixels = pixelCount; channels = channelCount; return this; }
    public RequantizeTester Seed(int s) { seed = s; return this; }

    public RequantizeParams Prepare() => RequantizePreparation.Prepare(input, scaleIn, output, scaleOut, pixels, channels);

    private string Describe(RequantizeParams p) => $"{p}, scales {scaleIn} -> {scaleOut}, seed={seed}";

    /// <summary>Random values of the input format (extremes and the zero point included), in its storage.</summary>
    private (int[] Values, byte[] Bytes) RandomInput(RequantizeParams p)
    {
        var rng = new Random(seed);
        var values = new int[p.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i % 5) switch { 0 => input.Min, 1 => input.Max, 2 => input.ZeroPoint, _ => rng.Next(input.Min, input.Max + 1) };
        }
        rng.Shuffle(values);
        return (values, Encode(values, input, pixels, channels));
    }

    /// <summary>Test-side encoder of values into a format's storage (independent of the kernel).</summary>
    public static byte[] Encode(int[] values, ActivationFormat f, int pixels, int channels)
    {
        int pixelBytes = f.PixelBytes(channels);
        var bytes = new byte[pixels * pixelBytes];
        for (int px = 0; px < pixels; px++)
        {
            var pixel = bytes.AsSpan(px * pixelBytes, pixelBytes);
            var v = values.AsSpan(px * channels, channels);
            switch (f.Storage)
            {
                case ActivationStorage.PackedUnsigned:
                    BitPacking.Pack([.. v.ToArray().Select(x => (byte)x)], f.LowBit, pixel);
                    break;
                case ActivationStorage.Int16:
                    for (int c = 0; c < channels; c++) { BinaryPrimitives.WriteInt16LittleEndian(pixel[(2 * c)..], (short)v[c]); }
                    break;
                default:
                    for (int c = 0; c < channels; c++) { pixel[c] = (byte)v[c]; }
                    break;
            }
        }
        return bytes;
    }

    /// <summary>Test-side decoder (inverse of <see cref="Encode"/>).</summary>
    public static int[] Decode(byte[] bytes, ActivationFormat f, int pixels, int channels)
    {
        int pixelBytes = f.PixelBytes(channels);
        var values = new int[pixels * channels];
        var codes = new byte[channels];
        for (int px = 0; px < pixels; px++)
        {
            var pixel = bytes.AsSpan(px * pixelBytes, pixelBytes);
            if (f.Storage == ActivationStorage.PackedUnsigned)
            {
                BitPacking.Unpack(pixel, f.LowBit, codes);
            }
            for (int c = 0; c < channels; c++)
            {
                values[px * channels + c] = f.Storage switch
                {
                    ActivationStorage.PackedUnsigned => codes[c],
                    ActivationStorage.Int16 => BinaryPrimitives.ReadInt16LittleEndian(pixel[(2 * c)..]),
                    ActivationStorage.Int8 => (sbyte)pixel[c],
                    _ => pixel[c],
                };
            }
        }
        return values;
    }

    /// <summary>Compares <paramref name="variant"/> with the scalar twin byte for byte (packed padding bits included).</summary>
    public void Test(RequantizeVariant variant)
    {
        var p = Prepare();
        var (values, bytes) = RandomInput(p);
        var expected = new byte[p.OutputBytes];
        RequantizeKernels.Scalar.Run(p, bytes, expected);
        var actual = new byte[p.OutputBytes];
        Array.Fill(actual, (byte)0xA5); // stale arena contents must not leak into packed padding
        variant.Run(p, bytes, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                Assert.Fail($"{variant.Name}: output byte {i} (input values near {values[Math.Min(values.Length - 1, i)]}): scalar 0x{expected[i]:X2}, variant 0x{actual[i]:X2}; {Describe(p)}");
            }
        }
    }

    /// <summary>Pins the scalar twin against the rule written with Int128 and floor division.</summary>
    public void TestReferenceFormula()
    {
        var p = Prepare();
        var (values, bytes) = RandomInput(p);
        var output = new byte[p.OutputBytes];
        Array.Fill(output, (byte)0xA5);
        RequantizeKernels.Scalar.Run(p, bytes, output);
        int[] got = Decode(output, this.output, pixels, channels);
        for (int i = 0; i < values.Length; i++)
        {
            Int128 v = (((Int128)(values[i] - input.ZeroPoint) * p.Multiplier.Multiplier) + (Int128.One << (p.Multiplier.Shift - 1))) >> p.Multiplier.Shift;
            int want = (int)Int128.Clamp(v + this.output.ZeroPoint, this.output.Min, this.output.Max);
            if (want != got[i])
            {
                Assert.Fail($"scalar vs Int128 formula: element {i}, x={values[i]}: formula {want}, scalar {got[i]}; {Describe(p)}");
            }
        }
        if (this.output.Storage == ActivationStorage.PackedUnsigned)
        {
            // unused high bits of each pixel's last byte are zero
            Assert.Equal(Encode(got, this.output, pixels, channels), output);
        }
    }
}
