using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Gemm;
using AQD.Edge.Kernels.LowBit;

namespace AQD.Edge.Kernels.Tests.Gemm;

/// <summary>
/// Fluent tester of one GEMM microkernel call (rows x 8 channels over a packed tile): every variant
/// against the scalar twin, int32 accumulators compared exactly; on mismatch names the variant,
/// row, channel, K, formats and both values.
/// </summary>
public sealed unsafe class GemmTester
{
    private int rows = 4, k = 16, maxA = 255, seed = 1;
    private bool preFlipped;
    private LowBitFormat weights = LowBitFormat.Int(8);

    public GemmTester Rows(int m) { rows = m; return this; }
    public GemmTester K(int value) { k = value; return this; }
    public GemmTester MaxA(int value) { maxA = value; return this; }
    public GemmTester Weights(LowBitFormat f) { weights = f; return this; }
    /// <summary>A is handed to signed-byte kernels already flipped (as im2col does).</summary>
    public GemmTester PreFlipped(bool on = true) { preFlipped = on; return this; }
    public GemmTester Seed(int s) { seed = s; return this; }

    public override string ToString() => $"rows {rows}, K {k}, maxA {maxA}, weights {weights}, preFlipped {preFlipped}, seed {seed}";

    /// <summary>Tests every supported variant; returns how many non-scalar ones ran.</summary>
    public int Test()
    {
        int ran = 0;
        foreach (var v in GemmKernels.Variants.Where(v => KernelIsaSupport.IsSupported(v.Isa)))
        {
            if (rows <= v.Kernel.MR && (!preFlipped || v.Kernel.SignedA))
            {
                Test(v);
                ran += v.Isa == KernelIsa.Scalar ? 0 : 1;
            }
        }
        return ran;
    }

    public void Test(GemmVariant variant)
    {
        var rng = new Random(seed);
        var geometry = new ConvGeometry(1, 1, k, 8, 1, 1);
        var values = new sbyte[8 * k];
        int wMin = weights.Bits == 8 ? -127 : weights.MinValue;
        for (int i = 0; i < values.Length; i++)
        {
            int v = rng.Next(wMin, weights.MaxValue + 1);
            values[i] = (sbyte)(weights.Encoding == LowBitEncoding.OddLevel ? v | 1 : v);
        }
        var packed = new PackedConvWeights(geometry, values, weights);
        int kPad = packed.KPadded;
        var p = new GemmParams(weights, kPad, maxA);
        var a = new byte[rows * kPad];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < k; i++)
            {
                a[r * kPad + i] = (byte)rng.Next(maxA + 1);
            }
        }
        var expected = new int[rows * 8];
        var actual = new int[rows * 8];
        var tile = packed.Bytes.ToArray();
        var decoded = new byte[kPad * 8];
        var init = packed.Init128.ToArray();
        fixed (byte* ap = a)
        fixed (byte* wp = tile)
        fixed (byte* dp = decoded)
        fixed (int* ep = expected)
        fixed (int* cp = actual)
        fixed (int* ip = init)
        {
            GemmKernels.Scalar.Kernel.Run(p, rows, ap, kPad, wp, ep, 8, ip);
            byte* w = wp;
            if (p.LowBit && !variant.Kernel.ReadsLowBit)
            {
                WeightTileDecoder.Decode(p, wp, dp);
                w = dp;
            }
            var gp = p;
            if (preFlipped && p.XorA)
            {
                for (int i = 0; i < a.Length; i++)
                {
                    a[i] ^= 0x80;
                }
                gp = p with { PreFlipped = true };
            }
            variant.Kernel.Run(gp, rows, ap, kPad, w, cp, 8, ip);
        }
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                Assert.Fail($"{variant.Name}: row {i / 8}, channel {i % 8}: scalar {expected[i]}, {variant.Name} {actual[i]}; {this}");
            }
        }
    }
}
