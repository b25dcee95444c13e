using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.Depthwise;

public class DepthwiseValidationTests
{
    private const int C = 4;
    private static readonly ConvGeometry Geometry = ConvGeometry.Same(5, 5, C, C, 3, 1, C);

    private static DepthwiseConvolution Prepare(ConvGeometry? geometry = null, ActivationFormat? input = null,
        byte[]? weights = null, LowBitFormat? weightFormat = null, int[]? bias = null, ChannelRequant[]? requant = null,
        OutputRange? range = null, ActivationFormat? output = null)
    {
        var g = geometry ?? Geometry;
        return DepthwiseConvolution.Prepare(g, input ?? ActivationFormat.UInt8(0),
            weights ?? new byte[g.InChannels * g.KernelH * g.KernelW], weightFormat ?? LowBitFormat.Int(8),
            bias ?? new int[g.InChannels], requant ?? Enumerable.Repeat(new ChannelRequant(1 << 30, 35), g.InChannels).ToArray(),
            range ?? OutputRange.UInt8(0), output ?? ActivationFormat.UInt8(0));
    }

    private static void Throws(string field, Action act)
    {
        var e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Contains(field, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void RejectsNonDepthwiseGeometry()
    {
        Throws("groups", () => Prepare(ConvGeometry.Same(5, 5, C, C, 3, 1, 1)));
        Throws("groups", () => Prepare(ConvGeometry.Same(5, 5, C, 2 * C, 3, 1, C)));
        Throws("padding", () => Prepare(new ConvGeometry(5, 5, C, C, 3, 3, 1, 1, 3, 0, 0, 0, C)));
    }

    [Fact]
    public void RejectsBadWeights()
    {
        Throws("weights", () => Prepare(weights: new byte[C * 9 - 1]));
        var w = new byte[C * 9];
        w[5] = 0x80; // -128
        Throws("-128", () => Prepare(weights: w));
        Throws("weightFormat", () => Prepare(weightFormat: LowBitFormat.UInt(4), weights: new byte[C * 9 / 2]));
        Throws("odd8", () => Prepare(weightFormat: LowBitFormat.Odd(8)));
        Throws("weightFormat", () => Prepare(weightFormat: new LowBitFormat(5, LowBitEncoding.Signed)));
    }

    [Fact]
    public void RejectsBadRequantizationAndRanges()
    {
        Throws("bias", () => Prepare(bias: new int[C - 1]));
        Throws("requant", () => Prepare(requant: new ChannelRequant[C + 1]));
        Throws("requant[2]", () => Prepare(requant: [new(1, 30), new(1, 30), new(-1, 30), new(1, 30)]));
        Throws("requant[0]", () => Prepare(requant: [new(1, 0), new(1, 30), new(1, 30), new(1, 30)]));
        Throws("outputRange", () => Prepare(range: OutputRange.Unsigned(8) with { Max = 300 }));
        Throws("outputRange", () => Prepare(range: OutputRange.Int8(0), output: ActivationFormat.UInt8(0)));
        Throws("outputRange", () => Prepare(range: OutputRange.UInt8(3), output: ActivationFormat.UInt8(0)));
        Throws("outputFormat", () => Prepare(output: new ActivationFormat(ActivationStorage.PackedUnsigned, 5, 0)));
        Throws("inputFormat", () => Prepare(input: new ActivationFormat(ActivationStorage.Int8, 8, 300)));
    }

    [Fact]
    public void RejectsBiasThatCanOverflowInt32()
    {
        var w = Enumerable.Repeat((byte)127, C * 9).ToArray();
        // 9 taps * 127 * 255 = 291465 above the bias: just fits, one more does not.
        Prepare(weights: w, bias: [int.MaxValue - 291465, 0, 0, 0]);
        Throws("bias[0]", () => Prepare(weights: w, bias: [int.MaxValue - 291464, 0, 0, 0]));
        // Zero-point correction -zp * sum(w) = -255 * 1143 folded in.
        Throws("bias[3]", () => Prepare(weights: w, input: ActivationFormat.UInt8(255), bias: [0, 0, 0, int.MinValue + 100]));
    }

    [Fact]
    public void RejectsBadPackedWeights()
    {
        var op = Prepare(weights: Enumerable.Range(0, C * 9).Select(i => (byte)(i - 10)).ToArray());
        var blob = op.PackedWeights.ToArray();
        var ok = DepthwiseConvolution.FromPackedWeights(Geometry, ActivationFormat.UInt8(0), blob, new int[C],
            Enumerable.Repeat(new ChannelRequant(1 << 30, 35), C).ToArray(), OutputRange.UInt8(0), ActivationFormat.UInt8(0));
        Assert.Equal(blob.Length, DepthwiseWeights.PackedBytes(Geometry));
        Assert.True(ok.PackedWeights.Span.SequenceEqual(blob));

        void From(byte[] b) => DepthwiseConvolution.FromPackedWeights(Geometry, ActivationFormat.UInt8(0), b, new int[C],
            Enumerable.Repeat(new ChannelRequant(1 << 30, 35), C).ToArray(), OutputRange.UInt8(0), ActivationFormat.UInt8(0));
        Throws("packedWeights", () => From(blob[..^2]));
        var padded = (byte[])blob.Clone();
        padded[(0 * 16 + 5) * 4] = 1; // channel 5 >= C: padding must be zero
        Throws("padding", () => From(padded));
        var tap9 = (byte[])blob.Clone();
        tap9[(4 * 16 + 0) * 4 + 2] = 1; // tap 9 of 9: padding
        Throws("padding", () => From(tap9));
        var big = (byte[])blob.Clone();
        big[0] = 0x80;
        big[1] = 0x00; // 128
        Throws("[-127, 127]", () => From(big));
    }

    [Fact]
    public void RunChecksBuffersAndRows()
    {
        var op = Prepare();
        var input = new byte[op.InputBytes];
        var output = new byte[op.OutputBytes];
        var scratch = new byte[op.ScratchBytes];
        Throws("input", () => op.Run(input.AsSpan(1), output, scratch, 0, 5));
        Throws("output", () => op.Run(input, output.AsSpan(1), scratch, 0, 5));
        Throws("scratch", () => op.Run(input, output, scratch.AsSpan(1), 0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => op.Run(input, output, scratch, 3, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => op.Run(input, output, scratch, 3, 2));
        op.Run(input, output, scratch, 2, 2);
    }
}
