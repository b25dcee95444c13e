using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Detection;

public class BestClassScanTests
{
    /// <summary>The definition, written independently: first argmax, kept when max >= threshold.</summary>
    private static List<ScoreHit> Naive(byte[] s, int rows, int classes, int stride, int first, bool signed, int threshold)
    {
        var hits = new List<ScoreHit>();
        for (int r = 0; r < rows; r++)
        {
            var v = Enumerable.Range(0, classes).Select(k => signed ? (int)(sbyte)s[r * stride + first + k] : s[r * stride + first + k]).ToArray();
            int max = v.Max();
            if (max >= threshold)
            {
                hits.Add(new ScoreHit(r, Array.IndexOf(v, max), max));
            }
        }
        return hits;
    }

    private static byte[] Scores(Random rng, int n, bool sparse)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        if (sparse)
        {
            for (int i = 0; i < n; i++)
            {
                b[i] = (byte)(b[i] % 40);           // mostly low scores, as in a real head
            }
            for (int i = 0; i < n / 97; i++)
            {
                b[rng.Next(n)] = (byte)rng.Next(256);
            }
        }
        return b;
    }

    [Fact]
    public void EveryVariantMatchesTheScalarTwinAndTheDefinition()
    {
        VariantSweep.ForEach(BestClassScanKernels.Variants, v =>
        {
            int seed = 0;
            foreach (int classes in Enumerable.Range(1, 70).Concat([80, 100, 257]))
            {
                foreach (bool signed in new[] { false, true })
                {
                    var rng = new Random(++seed);
                    int rows = rng.Next(0, 12), first = rng.Next(0, 3), stride = classes + first + rng.Next(0, 5);
                    var s = Scores(rng, Math.Max(1, rows * stride), sparse: seed % 3 != 0);
                    int lo = signed ? -128 : 0;
                    foreach (int t in new[] { lo, lo + 1, lo + 20, lo + 128, lo + 200, lo + 255, lo + 256 })
                    {
                        var shape = new BestClassScanShape(rows, classes, stride, first, signed, t);
                        var want = new ScoreHit[rows];
                        var got = new ScoreHit[rows];
                        int nw = BestClassScanKernels.Scalar.Run(s, shape, want);
                        int ng = v.Run(s, shape, got);
                        Assert.Equal(want.AsSpan(0, nw).ToArray(), got.AsSpan(0, ng).ToArray());
                        Assert.Equal(Naive(s, rows, classes, stride, first, signed, t), want.AsSpan(0, nw).ToArray());
                    }
                }
            }
        });
    }

    [Fact]
    public void TiesGoToTheLowestClass()
    {
        var s = new byte[] { 5, 9, 9, 9, 1, 200, 200, 3 };
        VariantSweep.ForEach(BestClassScanKernels.Variants, v =>
        {
            var hits = new ScoreHit[2];
            Assert.Equal(2, v.Run(s, new BestClassScanShape(2, 4, 4, 0, false, 9), hits));
            Assert.Equal(new ScoreHit(0, 1, 9), hits[0]);
            Assert.Equal(new ScoreHit(1, 1, 200), hits[1]);
        });
    }

    [Fact]
    public void ShapeValidationNamesTheProblem()
    {
        Assert.Throws<ArgumentException>(() => new BestClassScanShape(2, 0, 4, 0, false, 0));
        Assert.Throws<ArgumentException>(() => new BestClassScanShape(2, 4, 3, 0, false, 0));
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new BestClassScanShape(2, 4, 4, 0, false, 257)).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new BestClassScanShape(2, 4, 4, 0, true, -129)).ParamName);
        Assert.Throws<ArgumentException>(() => BestClassScanKernels.Scalar.Run(new byte[7], new BestClassScanShape(2, 4, 4, 0, false, 0), new ScoreHit[2]));
    }
}
