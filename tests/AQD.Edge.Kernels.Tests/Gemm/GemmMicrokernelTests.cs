using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Gemm;
using AQD.Edge.Kernels.LowBit;

namespace AQD.Edge.Kernels.Tests.Gemm;

public class GemmMicrokernelTests
{
    private static readonly LowBitFormat[] Formats =
    [
        LowBitFormat.Int(8), LowBitFormat.Int(2), LowBitFormat.Int(3), LowBitFormat.Int(4),
        LowBitFormat.Odd(2), LowBitFormat.Odd(3), LowBitFormat.Odd(4),
    ];

    [Fact]
    public void EveryVariantMatchesScalarOverRowsKAndFormats()
    {
        int ran = 0, seed = 0;
        foreach (var f in Formats)
        {
            foreach (int k in new[] { 1, 3, 4, 5, 8, 15, 16, 17, 31, 33, 64, 100 })
            {
                foreach (int maxA in new[] { 3, 15, 127, 255 })
                {
                    for (int rows = 1; rows <= 8; rows++)
                    {
                        ran += new GemmTester().Rows(rows).K(k).MaxA(maxA).Weights(f).Seed(seed++).Test();
                    }
                    ran += new GemmTester().Rows(4).K(k).MaxA(maxA).Weights(f).PreFlipped().Seed(seed++).Test();
                }
            }
        }
        Assert.True(!KernelTesting.VariantSweep.SimdCpu || ran > 0, "No non-scalar GEMM variant ran on a SIMD-capable CPU.");
    }

    [Fact]
    public void DecodedLowBitTileEqualsFormatDecode()
    {
        foreach (var f in Formats.Skip(1))
        {
            var p = new GemmParams(f, 8 * f.ContainerBits * 4 / f.ContainerBits * 2, 255);
            for (int code = 0; code < 1 << f.Bits; code++)
            {
                Assert.Equal(f.Decode(code), p.DecodeByte(code));
            }
        }
    }

    [Fact]
    public void NarrowProductBoundIsChosenFromFormats()
    {
        Assert.False(new GemmParams(LowBitFormat.Int(8), 4, 255).NarrowProductsExact);
        Assert.True(new GemmParams(LowBitFormat.Int(8), 4, 15).NarrowProductsExact);
        Assert.True(new GemmParams(LowBitFormat.Odd(4), 8, 255).NarrowProductsExact);
        Assert.True(new GemmParams(LowBitFormat.Int(8), 4, 127).XorA is false);
        Assert.True(new GemmParams(LowBitFormat.Int(8), 4, 128).XorA);
    }
}
