using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Pooling;

public class GlobalAveragePoolTests
{
    [Fact]
    public void Channels1To67AndLarger_MatchScalar()
    {
        VariantSweep.ForEach(GlobalAveragePoolKernels.Variants, v =>
        {
            foreach (int c in Enumerable.Range(1, 67).Concat([96, 130, 257]))
            {
                new GlobalAveragePoolTester().Channels(c).Size(3, 4).Seed(c)
                    .Input(ActivationFormat.UInt8(c % 256), 0.05).Output(ActivationFormat.UInt8(255 - c % 256), 0.04).Test(v);
                new GlobalAveragePoolTester().Channels(c).Size(2, 3).Batch(2).Seed(c + 300)
                    .Input(ActivationFormat.Int8(-128), 0.05).Output(ActivationFormat.Int8(127), 0.06).Relu(c % 2 == 0).Test(v);
            }
        });
    }

    [Fact]
    public void SizesZeroPointsAndScaleRatios_MatchScalar()
    {
        int seed = 0;
        VariantSweep.ForEach(GlobalAveragePoolKernels.Variants, v =>
        {
            foreach ((int h, int w) in new[] { (1, 1), (7, 7), (13, 13), (20, 17) })
            {
                foreach (double ratio in new[] { 0.01, 0.3, 1, 7, 100 })
                {
                    new GlobalAveragePoolTester().Size(h, w).Channels(24).Seed(++seed)
                        .Input(ActivationFormat.UInt8(255), 0.02).Output(ActivationFormat.Int8(-128), 0.02 * ratio).Test(v);
                    new GlobalAveragePoolTester().Size(h, w).Channels(11).Seed(++seed)
                        .Input(ActivationFormat.Int8(127), 0.02).Output(ActivationFormat.UInt8(0), 0.02 * ratio).Test(v);
                }
            }
        });
    }

    [Fact]
    public void Validation_NamesTheField()
    {
        var m = new ChannelRequant(1 << 30, 31);
        var e = Assert.Throws<ArgumentException>(() => new GlobalAveragePoolParams(1, 0, 3, 3, ActivationFormat.UInt8(0), ActivationFormat.UInt8(0), m));
        Assert.Equal("height", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new GlobalAveragePoolParams(1, 4000, 4000, 3, ActivationFormat.UInt8(0), ActivationFormat.UInt8(0), m));
        Assert.Equal("height*width", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new GlobalAveragePoolParams(1, 3, 3, 3, ActivationFormat.Int16(), ActivationFormat.UInt8(0), m));
        Assert.Equal("input", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new GlobalAveragePoolParams(1, 3, 3, 3, ActivationFormat.UInt8(0), ActivationFormat.UInt8(0), new ChannelRequant(5, 0)));
        Assert.Equal("multiplier", e.ParamName);
    }
}
