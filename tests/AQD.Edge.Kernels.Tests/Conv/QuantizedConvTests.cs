using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Gemm;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.Conv;

public class QuantizedConvTests(ITestOutputHelper log)
{
    private static readonly ActivationFormat[] InputFormats =
    [
        ActivationFormat.UInt8(0), ActivationFormat.UInt8(131), ActivationFormat.Int8(-5), ActivationFormat.Int8(0),
        ActivationFormat.Unsigned(2), ActivationFormat.Unsigned(3), ActivationFormat.Unsigned(4),
        ActivationFormat.Packed(2), ActivationFormat.Packed(3), ActivationFormat.Packed(4),
    ];

    private static readonly LowBitFormat[] WeightFormats =
    [
        LowBitFormat.Int(8), LowBitFormat.Int(2), LowBitFormat.Int(4), LowBitFormat.Int(3),
        LowBitFormat.Odd(2), LowBitFormat.Odd(3), LowBitFormat.Odd(4),
    ];

    private static readonly ActivationFormat[] OutputFormats =
    [
        ActivationFormat.UInt8(0), ActivationFormat.UInt8(77), ActivationFormat.Int8(3), ActivationFormat.Int16(),
        ActivationFormat.Unsigned(4), ActivationFormat.Packed(2), ActivationFormat.Packed(3), ActivationFormat.Packed(4),
    ];

    private void AssertSimdRan(int compared, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var ran = GemmKernels.Variants.Where(v => KernelIsaSupport.IsSupported(v.Isa)).Select(v => v.Name);
        TestReport.Write(log, [$"conv {test}: variants compared with scalar: {string.Join(", ", ran)} ({compared} non-scalar comparisons)"]);
        if (KernelTesting.VariantSweep.SimdCpu)
        {
            Assert.True(compared > 0, "No non-scalar GEMM variant ran on a SIMD-capable CPU.");
        }
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(3, 1, 1)]
    [InlineData(3, 2, 1)]
    [InlineData(5, 1, 2)]
    [InlineData(5, 2, 0)]
    public void ScalarMatchesNaiveConvolution(int k, int stride, int pad)
    {
        int seed = 10 * k + stride;
        foreach (var input in new[] { ActivationFormat.UInt8(17), ActivationFormat.Int8(-9), ActivationFormat.Packed(3), ActivationFormat.Unsigned(4) })
        {
            foreach (var (wf, of) in new[]
            {
                (LowBitFormat.Int(8), ActivationFormat.UInt8(5)), (LowBitFormat.Odd(2), ActivationFormat.Packed(4)),
                (LowBitFormat.Int(4), ActivationFormat.Int16()), (LowBitFormat.Odd(3), ActivationFormat.Int8(-3)),
            })
            {
                new ConvTester().InputSize(6, 5).Channels(6, 10).Kernel(k).Stride(stride)
                    .Padding(pad, Math.Max(0, pad - 1), pad, pad).Groups(seed % 2 + 1)
                    .InputFormat(input).Weights(wf).OutputFormat(of).Relu(seed % 3 == 0).Seed(seed++)
                    .TestAgainstNaive();
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(3, 1, 1)]
    [InlineData(3, 2, 1)]
    public void FusedLeakyReluMatchesNaiveAndEveryVariant(int k, int stride, int pad)
    {
        int seed = 100 * k + stride;
        int compared = 0;
        foreach (var (input, wf, of) in new[]
        {
            (ActivationFormat.UInt8(17), LowBitFormat.Int(8), ActivationFormat.UInt8(60)),
            (ActivationFormat.Int8(-9), LowBitFormat.Int(8), ActivationFormat.Int8(-20)),
            (ActivationFormat.Packed(4), LowBitFormat.Odd(4), ActivationFormat.Int16()),
            (ActivationFormat.Unsigned(2), LowBitFormat.Odd(2), ActivationFormat.Int8(0)),
        })
        {
            var tester = new ConvTester().InputSize(7, 6).Channels(10, 18).Kernel(k).Stride(stride).Padding(pad)
                .Groups(seed % 2 + 1).InputFormat(input).Weights(wf).OutputFormat(of).Leaky().Seed(seed++);
            tester.TestAgainstNaive();
            compared += tester.Test();
        }
        if (KernelIsaSupport.Available.Any(i => i != KernelIsa.Scalar))
        {
            Assert.True(compared > 0, "No non-scalar GEMM variant ran on a SIMD-capable CPU.");
        }
    }

    [Fact]
    public void ScalarMatchesNaiveOnExtremes()
    {
        foreach (var e in new[] { ConvExtreme.MaxInputMinWeights, ConvExtreme.MaxInputMaxWeights, ConvExtreme.MinInputMinWeights })
        {
            new ConvTester().InputSize(4, 4).Channels(19, 9).Kernel(3).Padding(1).Extreme(e)
                .InputFormat(ActivationFormat.Int8(-128)).OutputFormat(ActivationFormat.Int16()).TestAgainstNaive();
            new ConvTester().InputSize(3, 3).Channels(5, 3).Kernel(1).Extreme(e)
                .InputFormat(ActivationFormat.UInt8(0)).OutputFormat(ActivationFormat.Int16()).TestAgainstNaive();
        }
    }

    [Fact]
    public void OneByOneDirectPathAllFormats()
    {
        int compared = 0, seed = 100;
        foreach (var input in InputFormats)
        {
            foreach (var wf in WeightFormats)
            {
                var t = new ConvTester().InputSize(3, 5).Channels(32, 13).Kernel(1)
                    .InputFormat(input).Weights(wf).OutputFormat(OutputFormats[seed % OutputFormats.Length]).Seed(seed++);
                compared += t.Test();
            }
        }
        AssertSimdRan(compared);
    }

    [Fact]
    public void RandomShapeSweep()
    {
        var rng = new Random(2024);
        int compared = 0;
        for (int i = 0; i < 120; i++)
        {
            int k = new[] { 1, 1, 3, 3, 5 }[rng.Next(5)];
            int stride = rng.Next(1, 3);
            int groups = rng.Next(4) == 0 ? rng.Next(2, 4) : 1;
            int cin = groups * rng.Next(1, 68 / groups + 1), cout = groups * rng.Next(1, 68 / groups + 1);
            int h = rng.Next(k, k + 5), w = rng.Next(Math.Max(1, k - 2), k + 6);
            int pt = rng.Next(k), pl = rng.Next(k), pb = rng.Next(k), pr = rng.Next(k);
            if (w + pl + pr < k)
            {
                pl = k - 1;
                pr = k - 1;
            }
            while ((long)cin * cout * k * k * h * w > 400_000)
            {
                cin = Math.Max(groups, cin / 2 / groups * groups);
                cout = Math.Max(groups, cout / 2 / groups * groups);
            }
            var t = new ConvTester().InputSize(h, w).Channels(cin, cout).Kernel(k).Stride(stride)
                .Padding(pt, pl, pb, pr).Groups(groups)
                .InputFormat(InputFormats[rng.Next(InputFormats.Length)])
                .Weights(WeightFormats[rng.Next(WeightFormats.Length)])
                .OutputFormat(OutputFormats[rng.Next(OutputFormats.Length)])
                .Relu(rng.Next(2) == 0).Seed(i);
            compared += t.Test();
        }
        AssertSimdRan(compared);
    }

    [Fact]
    public void ChannelTailsAndKTails()
    {
        int compared = 0;
        foreach (int c in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 67 })
        {
            compared += new ConvTester().InputSize(3, 3).Channels(c, c).Kernel(1).Seed(c).Test();
            compared += new ConvTester().InputSize(3, 4).Channels(c, 67 - c + 1).Kernel(3).Padding(1)
                .InputFormat(ActivationFormat.Unsigned(4)).Weights(LowBitFormat.Int(2)).OutputFormat(ActivationFormat.Packed(4)).Seed(c).Test();
            compared += new ConvTester().InputSize(2, 5).Channels(c, 9).Kernel(1)
                .InputFormat(ActivationFormat.UInt8(9)).Weights(LowBitFormat.Odd(4)).Seed(c).Test();
        }
        AssertSimdRan(compared);
    }

    [Fact]
    public void ExtremeValuesAllVariants()
    {
        int compared = 0;
        foreach (var e in new[] { ConvExtreme.MaxInputMinWeights, ConvExtreme.MaxInputMaxWeights, ConvExtreme.MinInputMinWeights })
        {
            foreach (var input in new[] { ActivationFormat.UInt8(0), ActivationFormat.UInt8(255), ActivationFormat.Int8(-128), ActivationFormat.Int8(127), ActivationFormat.Packed(4) })
            {
                foreach (var wf in WeightFormats)
                {
                    compared += new ConvTester().InputSize(3, 3).Channels(37, 11).Kernel(3).Padding(1, 0, 1, 2)
                        .InputFormat(input).Weights(wf).OutputFormat(ActivationFormat.Int16()).Extreme(e).Test();
                    compared += new ConvTester().InputSize(2, 3).Channels(48, 9).Kernel(1)
                        .InputFormat(input).Weights(wf).OutputFormat(ActivationFormat.Int16()).Extreme(e).Test();
                }
            }
        }
        AssertSimdRan(compared);
    }

    [Fact]
    public void LargerLayerMatches()
    {
        // Exercises full 4-row tiles, several pixel tiles, and long K with int8 x uint8 (widening paths).
        int compared = new ConvTester().InputSize(9, 9).Channels(64, 24).Kernel(3).Padding(1)
            .InputFormat(ActivationFormat.UInt8(128)).OutputFormat(ActivationFormat.UInt8(3)).Seed(7).Test();
        compared += new ConvTester().InputSize(12, 11).Channels(256, 16).Kernel(1)
            .InputFormat(ActivationFormat.UInt8(0)).Seed(8).Test();
        AssertSimdRan(compared);
    }

    [Fact]
    public void PreparationRejectsAccumulatorOverflowNamingBias()
    {
        var g = new ConvGeometry(2, 2, 8, 2, 1, 1);
        var w = new PackedConvWeights(g, new sbyte[16], LowBitFormat.Int(8));
        var ex = Assert.Throws<ArgumentException>(() => QuantizedConv.Prepare(g, ActivationFormat.UInt8(0), w,
            [0, int.MaxValue - 10], [new(1 << 30, 31), new(1 << 30, 31)], ActivationFormat.UInt8(0), OutputRange.UInt8(0)));
        Assert.Contains("bias[1]", ex.Message);
    }

    [Fact]
    public void PreparationRejectsBadWeightValues()
    {
        var g = new ConvGeometry(2, 2, 4, 1, 1, 1);
        Assert.Contains("-128", Assert.Throws<ArgumentException>(() => new PackedConvWeights(g, [1, 2, -128, 3], LowBitFormat.Int(8))).Message);
        Assert.Contains("weights[1]", Assert.Throws<ArgumentException>(() => new PackedConvWeights(g, [1, 2, 3, 3], LowBitFormat.Odd(2))).Message);
        Assert.Contains("weights[0]", Assert.Throws<ArgumentException>(() => new PackedConvWeights(g, [8, 2, 3, 3], LowBitFormat.Int(4))).Message);
        Assert.Throws<ArgumentException>(() => new PackedConvWeights(g, [1, 1, 1, 1], LowBitFormat.UInt(2)));
    }

    [Fact]
    public void PackedWeightsRoundTripThroughBytes()
    {
        var rng = new Random(5);
        foreach (var wf in WeightFormats)
        {
            var g = new ConvGeometry(5, 5, 6, 11, 3, 3, 1, 1, 1, 1, 1, 1, Groups: 1);
            var values = new sbyte[11 * 9 * 6];
            for (int i = 0; i < values.Length; i++)
            {
                int v = rng.Next(wf.Bits == 8 ? -127 : wf.MinValue, wf.MaxValue + 1);
                values[i] = (sbyte)(wf.Encoding == LowBitEncoding.OddLevel ? v | 1 : v);
            }
            var packed = new PackedConvWeights(g, values, wf);
            Assert.Equal(PackedConvWeights.PackedSize(g, wf), packed.Bytes.Length);
            var blob = packed.Bytes.ToArray();
            var wrapped = new PackedConvWeights(g, wf, blob);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(wrapped.Bytes, out var seg) && seg.Array == blob);
            for (int oc = 0; oc < 11; oc++)
            {
                for (int k = 0; k < 54; k++)
                {
                    Assert.Equal(values[oc * 54 + k], wrapped.ValueAt(0, oc, k));
                }
            }
        }
    }

    [Fact]
    public void MacsAndScratchAreReported()
    {
        var g = ConvGeometry.Same(8, 8, 16, 32, 3);
        var w = new PackedConvWeights(g, new sbyte[32 * 9 * 16], LowBitFormat.Int(8));
        var conv = QuantizedConv.Prepare(g, ActivationFormat.UInt8(0), w, new int[32],
            Enumerable.Repeat(new ChannelRequant(1 << 30, 40), 32).ToArray(), ActivationFormat.UInt8(0), OutputRange.UInt8(0));
        Assert.Equal(8L * 8 * 32 * 144, conv.Macs);
        Assert.True(conv.ScratchBytes > 0);
        Assert.Same(GemmKernels.Selected, conv.Variant);
    }

    [Fact]
    public void RunDoesNotAllocate()
    {
        var g = ConvGeometry.Same(6, 6, 20, 12, 3, stride: 2);
        var rng = new Random(3);
        var values = new sbyte[12 * 9 * 20];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (sbyte)(rng.Next(-2, 2) | 1);
        }
        foreach (var variant in GemmKernels.Variants.Where(v => KernelIsaSupport.IsSupported(v.Isa)))
        {
            var conv = QuantizedConv.Prepare(g, ActivationFormat.Int8(4), new PackedConvWeights(g, values, LowBitFormat.Odd(2)),
                new int[12], Enumerable.Repeat(new ChannelRequant(1 << 30, 38), 12).ToArray(),
                ActivationFormat.Packed(4), OutputRange.Unsigned(4), variant);
            var input = new byte[conv.InputBytes];
            var output = new byte[conv.OutputBytes];
            var scratch = new byte[conv.ScratchBytes];
            conv.Run(input, output, scratch);
            long before = GC.GetAllocatedBytesForCurrentThread();
            conv.Run(input, output, scratch, 0, g.OutHeight);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
