using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Elementwise;

public class QuantizedAddTests
{
    private static readonly ActivationFormat U8 = ActivationFormat.UInt8(128), S8 = ActivationFormat.Int8(-5), S16 = ActivationFormat.Int16();

    [Fact]
    public void EveryLength0To257_MatchesScalar()
    {
        VariantSweep.ForEach(QuantizedAddKernels.Variants, v =>
        {
            for (int n = 0; n <= 257; n++)
            {
                new QuantizedAddTester().Length(n).Seed(n).InputA(U8, 0.04).InputB(ActivationFormat.UInt8(3), 0.11).Output(ActivationFormat.UInt8(77), 0.13).Test(v);
                new QuantizedAddTester().Length(n).Seed(n + 1000).InputA(S8, 0.02).InputB(ActivationFormat.Int8(100), 0.02).Output(ActivationFormat.Int8(-20), 0.03).Relu(n % 2 == 0).Test(v);
                new QuantizedAddTester().Length(n).Seed(n + 2000).InputA(S16, 0.001).InputB(S16, 0.0007).Output(S16, 0.0015).Relu(n % 3 == 0).Test(v);
            }
        });
    }

    // (A, B, output) formats: zero points at the ends of their ranges, mixed containers.
    private static readonly (ActivationFormat A, ActivationFormat B, ActivationFormat Out)[] Formats =
    [
        (ActivationFormat.UInt8(0), ActivationFormat.UInt8(255), ActivationFormat.UInt8(0)),
        (ActivationFormat.UInt8(255), ActivationFormat.UInt8(0), ActivationFormat.UInt8(255)),
        (ActivationFormat.Int8(-128), ActivationFormat.Int8(127), ActivationFormat.Int8(127)),
        (ActivationFormat.Int8(127), ActivationFormat.Int8(-128), ActivationFormat.Int8(-128)),
        (ActivationFormat.Int16(), ActivationFormat.Int8(-128), ActivationFormat.Int16()),
        (ActivationFormat.Int16(), ActivationFormat.UInt8(255), ActivationFormat.Int16()),
        (ActivationFormat.UInt8(200), ActivationFormat.Int8(3), ActivationFormat.Int16()),
        (ActivationFormat.Int16(), ActivationFormat.Int16(), ActivationFormat.Int8(0)),
        (ActivationFormat.Int8(0), ActivationFormat.UInt8(128), ActivationFormat.UInt8(0)),
        (ActivationFormat.Unsigned(4), ActivationFormat.Unsigned(2), ActivationFormat.Unsigned(4)),
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
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void EdgeZeroPointsAndScaleRatios_MatchScalarAndFormula(int row)
    {
        var (fa, fb, fo) = Formats[row];
        double[] ratios = [0.01, 0.3, 1, 3.7, 100];
        int seed = 0;
        VariantSweep.ForEach(QuantizedAddKernels.Variants, v =>
        {
            foreach (double ra in ratios)
            {
                foreach (double ro in ratios)
                {
                    foreach (bool relu in new[] { false, true })
                    {
                        foreach (int n in new[] { 7, 67, 130 })
                        {
                            var t = new QuantizedAddTester().Length(n).Seed(++seed).Relu(relu)
                                .InputA(fa, 0.02 * ra).InputB(fb, 0.02).Output(fo, 0.02 * ro);
                            t.Test(v);
                            if (v.Isa == AQD.Edge.Kernels.Dispatch.KernelIsa.Scalar)
                            {
                                t.TestReferenceFormula();
                            }
                        }
                    }
                }
            }
        });
    }

    [Fact]
    public void InPlace_MatchesScalar()
    {
        VariantSweep.ForEach(QuantizedAddKernels.Variants, v =>
        {
            foreach (int n in new[] { 1, 8, 9, 15, 16, 17, 100 })
            {
                new QuantizedAddTester().InPlace().Length(n).Seed(n).InputA(S16, 0.003).InputB(S16, 0.001).Output(S16, 0.003).Test(v);
                new QuantizedAddTester().InPlace().Length(n).Seed(n).InputA(U8, 0.1).InputB(U8, 0.3).Output(U8, 0.2).Test(v);
            }
        });
    }

    [Fact]
    public void Int16Extremes_FormulaHolds()
    {
        // all four extreme pairs, scales chosen so that the sum saturates both ways
        var t = new QuantizedAddTester().Length(257).InputA(S16, 1).InputB(S16, 1).Output(S16, 1);
        t.TestReferenceFormula();
        t.InputA(S16, 100).InputB(S16, 1).Output(S16, 0.5).TestReferenceFormula();
        VariantSweep.ForEach(QuantizedAddKernels.Variants, v => t.Test(v));
    }

    [Fact]
    public void Validation_NamesTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => new QuantizedAddParams(S16, S16, S16, 16,
            new ChannelRequant(1 << 30, 31), new ChannelRequant(1 << 30, 31), new ChannelRequant(1 << 30, 40), false, 10));
        Assert.Contains("leftShift", e.Message);
        e = Assert.Throws<ArgumentException>(() => new QuantizedAddParams(U8, U8, U8, 20,
            new ChannelRequant(-1, 31), new ChannelRequant(1 << 30, 31), new ChannelRequant(1 << 30, 40), false, 10));
        Assert.Equal("multiplierA", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new QuantizedAddParams(ActivationFormat.Packed(4), U8, U8, 20,
            new ChannelRequant(1, 31), new ChannelRequant(1 << 30, 31), new ChannelRequant(1 << 30, 40), false, 10));
        Assert.Equal("a", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Preparation.QuantizedAddPreparation.Prepare(U8, -1, U8, 1, U8, 1, false, 4));
        Assert.Equal("scaleA", e.ParamName);
        var p = Preparation.QuantizedAddPreparation.Prepare(U8, 1, U8, 1, U8, 1, false, 4);
        Assert.Throws<ArgumentException>(() => QuantizedAddKernels.Run(p, new sbyte[4], new byte[4], new byte[4]));
        Assert.Throws<ArgumentException>(() => QuantizedAddKernels.Run(p, new byte[3], new byte[4], new byte[4]));
    }
}
