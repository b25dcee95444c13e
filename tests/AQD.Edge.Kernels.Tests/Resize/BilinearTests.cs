using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Resize;

public class BilinearTests
{
    [Fact]
    public void Channels1To67AndLarger_MatchScalarAndFloat()
    {
        VariantSweep.ForEach(BilinearKernels.Variants, v =>
        {
            foreach (int c in Enumerable.Range(1, 67).Concat([96, 130]))
            {
                new BilinearTester().Channels(c).In(3, 4).Out(5, 7).Seed(c).Test(v);
                new BilinearTester().Channels(c).In(5, 3).Out(2, 6).Signed().Seed(c + 100).Test(v);
            }
        });
    }

    [Fact]
    public void SizesAndModes_MatchScalarAndFloat()
    {
        int seed = 0;
        (int, int, int, int)[] sizes = [(1, 1, 3, 3), (4, 4, 8, 8), (8, 8, 4, 4), (7, 5, 3, 11), (3, 9, 13, 2), (2, 2, 1, 1), (10, 10, 10, 10), (5, 6, 17, 16)];
        VariantSweep.ForEach(BilinearKernels.Variants, v =>
        {
            foreach (var (ih, iw, oh, ow) in sizes)
            {
                foreach (var mode in Enum.GetValues<BilinearCoordinates>())
                {
                    foreach (bool signed in new[] { false, true })
                    {
                        new BilinearTester().Batch(2).In(ih, iw).Out(oh, ow).Channels(seed % 2 == 0 ? 3 : 19)
                            .Mode(mode).Signed(signed).Seed(++seed).Test(v);
                    }
                }
            }
        });
    }

    [Fact]
    public void HalfPixelCoordinates_AreCv2Ones()
    {
        // 2x upscale with half-pixel centres: source x = (d + 0.5)/2 - 0.5 -> 0 (clamped), 0.25, 0.75, 1.25, ...
        long[] want = [0, 512, 1536, 2560];
        for (int d = 0; d < want.Length; d++)
        {
            Assert.Equal(want[d], BilinearParams.SourceFixed(d, 4, 8, BilinearCoordinates.HalfPixel));
        }
        Assert.Equal(3L << BilinearParams.FractionBits, BilinearParams.SourceFixed(7, 4, 8, BilinearCoordinates.HalfPixel));
        // 3 -> 2 downscale: (0.5)*1.5 - 0.5 = 0.25, 1.75
        Assert.Equal(512, BilinearParams.SourceFixed(0, 3, 2, BilinearCoordinates.HalfPixel));
        Assert.Equal(3584, BilinearParams.SourceFixed(1, 3, 2, BilinearCoordinates.HalfPixel));
    }

    [Fact]
    public void Validation_NamesTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => new BilinearParams(1, 0, 3, 3, 3, 3, ActivationFormat.UInt8(0)));
        Assert.Equal("inHeight", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new BilinearParams(1, 3, 3, 3, 3, 3, ActivationFormat.Int16()));
        Assert.Equal("format", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new BilinearParams(1, 3, 3, 3, 1 << 16, 3, ActivationFormat.UInt8(0)));
        Assert.Equal("outWidth", e.ParamName);
    }
}
