using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Elementwise;

public class RequantizeTests
{
    // Every storage kind, zero points off-centre; scales roughly matched to each format's span.
    private static readonly (ActivationFormat Format, double Scale)[] Formats =
    [
        (ActivationFormat.UInt8(131), 0.02),
        (ActivationFormat.Int8(-7), 0.021),
        (ActivationFormat.Int16(), 0.0002),
        (ActivationFormat.Unsigned(4), 0.3),
        (ActivationFormat.Packed(2), 1.4),
        (ActivationFormat.Packed(3), 0.6),
        (ActivationFormat.Packed(4), 0.29),
    ];

    // Theory rows are indices (plain ints serialize everywhere, also in the arm64 runner under qemu).
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void EveryOutputFormat_Lengths0To257_MatchScalar(int row)
    {
        var (fi, si) = Formats[row];
        VariantSweep.ForEach(RequantizeKernels.Variants, v =>
        {
            foreach (var (fo, so) in Formats)
            {
                for (int n = 0; n <= 257; n++)
                {
                    new RequantizeTester().Input(fi, si).Output(fo, so).Shape(1, n).Seed(n).Test(v);
                }
                // several pixels: packed pixels are byte-aligned, odd channel counts leave padding bits
                new RequantizeTester().Input(fi, si).Output(fo, so).Shape(7, 5).Seed(3).Test(v);
            }
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void ScalarTwin_EqualsFormula_AllPairsAndScaleRatios(int row)
    {
        var (fi, si) = Formats[row];
        double[] ratios = [0.001, 0.37, 1, 2.5, 64, 5000];
        int seed = 0;
        foreach (var (fo, so) in Formats)
        {
            foreach (double r in ratios)
            {
                new RequantizeTester().Input(fi, si).Output(fo, so * r).Shape(3, 67).Seed(++seed).TestReferenceFormula();
            }
        }
    }

    [Fact]
    public void ExactTies_RoundTowardPlusInfinity()
    {
        // multiplier 1/2: x - zp = -3 -> -1.5 -> -1, 3 -> 1.5 -> 2, -1 -> -0.5 -> 0, 1 -> 0.5 -> 1
        var p = new RequantizeParams(ActivationFormat.Int8(0), ActivationFormat.Int8(0), new ChannelRequant(1 << 30, 31), 1, 4);
        sbyte[] x = [-3, 3, -1, 1];
        var y = new byte[4];
        VariantSweep.ForEach(RequantizeKernels.Variants, v =>
        {
            v.Run(p, System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()), y);
            Assert.Equal(new sbyte[] { -1, 2, 0, 1 }, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(y).ToArray());
        });
    }

    [Fact]
    public void Validation_NamesTheField()
    {
        var ok = new ChannelRequant(1 << 30, 31);
        var e = Assert.Throws<ArgumentException>(() => new RequantizeParams(ActivationFormat.Int8(0), ActivationFormat.Int8(0), new ChannelRequant(-1, 31), 1, 4));
        Assert.Equal("multiplier", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new RequantizeParams(new ActivationFormat(ActivationStorage.PackedUnsigned, 8, 0), ActivationFormat.Int8(0), ok, 1, 4));
        Assert.Equal("input", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new RequantizeParams(ActivationFormat.Int8(0), ActivationFormat.Int8(0), ok, -1, 4));
        Assert.Equal("pixels", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => RequantizePreparation.Prepare(ActivationFormat.Int8(0), 0, ActivationFormat.Int8(0), 1, 1, 1));
        Assert.Equal("scaleIn", e.ParamName);
        var p = new RequantizeParams(ActivationFormat.Int16(), ActivationFormat.Packed(2), ok, 2, 5);
        Assert.Equal(20, p.InputBytes);
        Assert.Equal(4, p.OutputBytes);
        Assert.Throws<ArgumentException>(() => RequantizeKernels.Run(p, new byte[19], new byte[4]));
        Assert.Throws<ArgumentException>(() => RequantizeKernels.Run(p, new byte[20], new byte[3]));
    }

    [Fact]
    public void FamilyIsRegistered_AndDispatchMatchesScalar()
    {
        Assert.Contains(KernelFamilies.All, f => f.Name == "requantize" && f.Variants.Count == RequantizeKernels.Variants.Count);
        var t = new RequantizeTester().Input(ActivationFormat.UInt8(100), 0.03).Output(ActivationFormat.Packed(4), 0.2).Shape(9, 33);
        t.Test(RequantizeKernels.Selected);
    }
}
