using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Pooling;

public class MaxPoolTests
{
    [Fact]
    public void Channels1To67AndLarger_MatchScalar()
    {
        VariantSweep.ForEach(MaxPoolKernels.Variants, v =>
        {
            foreach (int c in Enumerable.Range(1, 67).Concat([96, 130, 257]))
            {
                new MaxPoolTester().Channels(c).Size(5, 6).Kernel(3).Stride(2).Padding(1).Seed(c).Test(v);
                new MaxPoolTester().Channels(c).Size(4, 4).Kernel(2).Stride(2).Signed().Seed(c + 500).Test(v);
            }
        });
    }

    [Fact]
    public void KernelsStridesPadding_MatchScalar()
    {
        int seed = 0;
        VariantSweep.ForEach(MaxPoolKernels.Variants, v =>
        {
            foreach (int k in new[] { 1, 2, 3, 5 })
            {
                foreach (int s in new[] { 1, 2, 3 })
                {
                    for (int pad = 0; pad < k; pad++)
                    {
                        foreach (bool signed in new[] { false, true })
                        {
                            new MaxPoolTester().Batch(2).Size(7, 6).Channels(seed % 2 == 0 ? 19 : 40).Kernel(k).Stride(s)
                                .Padding(pad, pad, k - 1 - pad, pad).Signed(signed).Seed(++seed).Test(v);
                        }
                    }
                }
            }
        });
    }

    [Fact]
    public void Validation_NamesTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => new MaxPoolParams(PoolGeometry.Square(1, 4, 4, 3, 3, 1, 3), ActivationFormat.UInt8(0)));
        Assert.Equal("PadTop", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new MaxPoolParams(PoolGeometry.Square(1, 4, 4, 0, 3, 1, 1), ActivationFormat.UInt8(0)));
        Assert.Equal("Channels", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new MaxPoolParams(PoolGeometry.Square(1, 4, 4, 3, 3, 1, 1), ActivationFormat.Int16()));
        Assert.Equal("format", e.ParamName);
    }
}
