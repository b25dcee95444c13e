using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.Depthwise;

public class DepthwiseTests
{
    private static readonly int[] ChannelCounts = [1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 67];

    private static readonly (string Name, ActivationFormat Format)[] InputFormats =
    [
        ("u8zp0", ActivationFormat.UInt8(0)),
        ("u8zp131", ActivationFormat.UInt8(131)),
        ("u4", ActivationFormat.Unsigned(4)),
        ("i8zp-3", ActivationFormat.Int8(-3)),
        ("p2", ActivationFormat.Packed(2)),
        ("p3", ActivationFormat.Packed(3)),
        ("p4", ActivationFormat.Packed(4)),
        ("i16", ActivationFormat.Int16()),
    ];

    private static readonly LowBitFormat[] WeightFormats =
    [
        LowBitFormat.Int(8), LowBitFormat.Int(2), LowBitFormat.Int(3), LowBitFormat.Int(4),
        LowBitFormat.Odd(2), LowBitFormat.Odd(3), LowBitFormat.Odd(4),
    ];

    private static readonly (string Name, ActivationFormat Format, OutputRange Range)[] OutputFormats =
    [
        ("u8zp5relu", ActivationFormat.UInt8(5), OutputRange.UInt8(5, relu: true)),
        ("u4", ActivationFormat.Unsigned(4), OutputRange.Unsigned(4)),
        ("i8zp-7", ActivationFormat.Int8(-7), OutputRange.Int8(-7)),
        ("i16", ActivationFormat.Int16(), OutputRange.Int16()),
        ("p2", ActivationFormat.Packed(2), OutputRange.Unsigned(2)),
        ("p3", ActivationFormat.Packed(3), OutputRange.Unsigned(3)),
        ("p4", ActivationFormat.Packed(4), OutputRange.Unsigned(4)),
    ];

    /// <summary>A random valid shape: input 1..9 per side, padding below the kernel, asymmetric.</summary>
    private static DepthwiseTester Shape(Random rng, int channels, int kernelH, int kernelW, int stride)
    {
        while (true)
        {
            int h = rng.Next(1, 10), w = rng.Next(1, 10);
            int t = rng.Next(kernelH), b = rng.Next(kernelH), l = rng.Next(kernelW), r = rng.Next(kernelW);
            if (h + t + b >= kernelH && w + l + r >= kernelW)
            {
                return new DepthwiseTester().Channels(channels).Kernel(kernelH, kernelW).Stride(stride)
                    .Input(h, w).Padding(t, l, b, r).Seed(rng.Next());
            }
        }
    }

    [Fact]
    public void ChannelsKernelsStrides()
    {
        var rng = new Random(101);
        int compared = 0;
        foreach (int c in ChannelCounts)
        {
            foreach (int k in new[] { 3, 5 })
            {
                foreach (int s in new[] { 1, 2 })
                {
                    var (name, format) = InputFormats[rng.Next(InputFormats.Length)];
                    compared += Shape(rng, c, k, k, s).InputFormat(format).TestAll();
                }
            }
        }
        DepthwiseTester.AssertSimdCovered(compared);
    }

    [Fact]
    public void EdgeInputSizes()
    {
        var rng = new Random(707);
        int compared = 0;
        foreach (var (h, w) in new[] { (1, 1), (1, 9), (9, 1), (9, 9), (2, 7) })
        {
            foreach (int k in new[] { 3, 5 })
            {
                foreach (int s in new[] { 1, 2 })
                {
                    // Full padding on one side, k/2 on the other: the smallest and the asymmetric cases.
                    int c = ChannelCounts[rng.Next(ChannelCounts.Length)];
                    compared += new DepthwiseTester().Channels(c).Kernel(k).Stride(s).Input(h, w)
                        .Padding(k - 1, k / 2, k / 2, k - 1).Seed(rng.Next()).TestAll();
                }
            }
        }
        DepthwiseTester.AssertSimdCovered(compared);
    }

    [Fact]
    public void GenericKernels()
    {
        var rng = new Random(202);
        int compared = 0;
        foreach (var (kh, kw) in new[] { (7, 7), (1, 1), (2, 2), (3, 5), (5, 3), (1, 3), (4, 4) })
        {
            foreach (int c in new[] { 1, 17, 33 })
            {
                compared += Shape(rng, c, kh, kw, rng.Next(1, 3)).TestAll();
            }
        }
        compared += new DepthwiseTester().Channels(16).Kernel(3).Stride(2, 1).Input(6, 9).Padding(2, 0, 1, 2).TestAll();
        compared += new DepthwiseTester().Channels(9).Kernel(3).Stride(3).Input(9, 9).Padding(0, 0, 0, 0).TestAll();
        DepthwiseTester.AssertSimdCovered(compared);
    }

    [Fact]
    public void EveryFormatCombination()
    {
        var rng = new Random(303);
        int compared = 0;
        foreach (var (_, input) in InputFormats)
        {
            foreach (var weights in WeightFormats)
            {
                foreach (var (_, output, range) in OutputFormats)
                {
                    int c = ChannelCounts[rng.Next(ChannelCounts.Length)];
                    int k = rng.Next(2) == 0 ? 3 : 5;
                    compared += Shape(rng, c, k, k, rng.Next(1, 3))
                        .InputFormat(input).WeightFormat(weights).OutputFormat(output, range).TestAll();
                }
            }
        }
        DepthwiseTester.AssertSimdCovered(compared);
    }

    [Fact]
    public void WideChannelsEveryInputFormat()
    {
        // Whole 16-channel blocks inside the row take the vector widening paths (packed unpacking included).
        var rng = new Random(808);
        int compared = 0;
        foreach (var (_, input) in InputFormats)
        {
            foreach (int c in new[] { 16, 48, 67 })
            {
                compared += Shape(rng, c, 3, 3, rng.Next(1, 3)).Input(4, 6).InputFormat(input).TestAll();
            }
        }
        DepthwiseTester.AssertSimdCovered(compared);
    }

    [Fact]
    public void ExtremeValues()
    {
        var rng = new Random(404);
        int compared = 0;
        var inputs = InputFormats.Select(f => f.Format)
            .Concat([ActivationFormat.UInt8(255), ActivationFormat.Int8(-128), ActivationFormat.Int8(127)]);
        foreach (var input in inputs)
        {
            foreach (var weights in new[] { LowBitFormat.Int(8), LowBitFormat.Odd(4), LowBitFormat.Int(2) })
            {
                foreach (var (_, output, range) in OutputFormats)
                {
                    int c = ChannelCounts[rng.Next(ChannelCounts.Length)];
                    compared += Shape(rng, c, 3, 3, rng.Next(1, 3))
                        .InputFormat(input).WeightFormat(weights).OutputFormat(output, range).Extremes().TestAll();
                }
            }
        }
        // Largest kernel of the sweep with the largest values: accumulators near their bound.
        compared += new DepthwiseTester().Channels(67).Kernel(7).Input(9, 9).Padding(3, 3, 3, 3)
            .InputFormat(ActivationFormat.Int16()).OutputFormat(ActivationFormat.Int16(), OutputRange.Int16()).Extremes().TestAll();
        DepthwiseTester.AssertSimdCovered(compared);
    }

    [Fact]
    public void ScalarMatchesNaiveDirectConvolution()
    {
        var rng = new Random(505);
        foreach (int c in new[] { 1, 7, 16, 17, 33 })
        {
            foreach (var (_, input) in InputFormats)
            {
                var (_, output, range) = OutputFormats[rng.Next(OutputFormats.Length)];
                var weights = WeightFormats[rng.Next(WeightFormats.Length)];
                int k = rng.Next(2) == 0 ? 3 : 5;
                Shape(rng, c, k, k, rng.Next(1, 3)).InputFormat(input).WeightFormat(weights)
                    .OutputFormat(output, range).Extremes(rng.Next(4) == 0).TestScalarAgainstNaive();
            }
        }
        new DepthwiseTester().Channels(5).Kernel(7).Input(4, 8).Padding(6, 0, 3, 6).Stride(2, 1).TestScalarAgainstNaive();
    }

    [Fact]
    public void PackedWeightsRoundTripThroughBlob()
    {
        var rng = new Random(606);
        int compared = 0;
        foreach (var weights in WeightFormats)
        {
            var t = Shape(rng, 33, 3, 3, 1).WeightFormat(weights).FromBlob();
            t.TestScalarAgainstNaive();
            compared += t.TestAll();
        }
        DepthwiseTester.AssertSimdCovered(compared);
    }

    [Fact]
    public void SelectedVariantIsTheKernelTableChoice()
    {
        var selected = DepthwiseKernels.Selected;
        Assert.Same(KernelTable.Select(DepthwiseKernels.Variants), selected);
        Assert.True(KernelIsaSupport.IsSupported(selected.Isa));
        Assert.Same(selected, new DepthwiseTester().Channels(3).BuildForTests().Variant);
        if (KernelTable.Forced is null && (KernelIsaSupport.IsSupported(KernelIsa.Avx2) || KernelIsaSupport.IsSupported(KernelIsa.AdvSimd)))
        {
            Assert.NotEqual(KernelIsa.Scalar, selected.Isa);
        }

        // The default Run (selected variant) gives the scalar twin's bytes.
        var g = ConvGeometry.Same(4, 5, 19, 19, 3, 1, 19);
        var rng = new Random(7);
        var w = new byte[19 * 9];
        rng.NextBytes(w);
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = w[i] == 0x80 ? (byte)0x81 : w[i];
        }
        var op = DepthwiseConvolution.Prepare(g, ActivationFormat.UInt8(3), w, LowBitFormat.Int(8), new int[19],
            Enumerable.Repeat(new ChannelRequant(1 << 30, 40), 19).ToArray(), OutputRange.UInt8(0), ActivationFormat.UInt8(0));
        var input = new byte[op.InputBytes];
        rng.NextBytes(input);
        var a = new byte[op.OutputBytes];
        var b = new byte[op.OutputBytes];
        op.Run(input, a, new byte[op.ScratchBytes], 0, g.OutHeight);
        op.Run(DepthwiseKernels.Scalar, input, b, new byte[op.ScratchBytes], 0, g.OutHeight);
        Assert.Equal(b, a);
    }

    [Fact]
    public void RunDoesNotAllocate()
    {
        var g = new ConvGeometry(6, 7, 21, 21, 3, 3, 1, 1, 1, 1, 1, 1, 21);
        var op = DepthwiseConvolution.Prepare(g, ActivationFormat.Packed(4), new byte[(21 * 9 + 1) / 2], LowBitFormat.Odd(4),
            new int[21], Enumerable.Repeat(new ChannelRequant(1 << 30, 33), 21).ToArray(), OutputRange.Unsigned(2), ActivationFormat.Packed(2));
        var input = new byte[op.InputBytes];
        var output = new byte[op.OutputBytes];
        var scratch = new byte[op.ScratchBytes];
        foreach (var v in DepthwiseKernels.Variants.Where(v => KernelIsaSupport.IsSupported(v.Isa)))
        {
            op.Run(v, input, output, scratch, 0, g.OutHeight);
            op.Run(v, input, output, scratch, 0, g.OutHeight);
            long before = GC.GetAllocatedBytesForCurrentThread();
            op.Run(v, input, output, scratch, 0, g.OutHeight);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        op.Run(input, output, scratch, 0, g.OutHeight);
        long start = GC.GetAllocatedBytesForCurrentThread();
        op.Run(input, output, scratch, 0, g.OutHeight);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - start);
    }

    [Fact]
    public void UnsupportedVariantIsRefused()
    {
        var unsupported = DepthwiseKernels.Variants.FirstOrDefault(v => !KernelIsaSupport.IsSupported(v.Isa));
        Assert.NotNull(unsupported); // x64 lacks AdvSimd, ARM64 lacks Avx2
        var g = ConvGeometry.Same(3, 3, 2, 2, 3, 1, 2);
        var op = DepthwiseConvolution.Prepare(g, ActivationFormat.UInt8(0), new byte[18], LowBitFormat.Int(8), new int[2],
            [new(1 << 30, 33), new(1 << 30, 33)], OutputRange.UInt8(0), ActivationFormat.UInt8(0));
        Assert.Throws<NotSupportedException>(() => op.Run(unsupported, new byte[op.InputBytes], new byte[op.OutputBytes], new byte[op.ScratchBytes], 0, 3));
    }
}
