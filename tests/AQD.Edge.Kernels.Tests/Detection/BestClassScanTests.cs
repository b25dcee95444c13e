using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Detection;

public class BestClassScanTests
{
    private static int Value(byte[] s, ActivationStorage storage, int i) => storage switch
    {
        ActivationStorage.Int8 => (sbyte)s[i],
        ActivationStorage.Int16 => (short)(s[2 * i] | s[2 * i + 1] << 8),
        _ => s[i],
    };

    /// <summary>The definition, written independently: first argmax, kept when max >= threshold.</summary>
    private static List<ScoreHit> Naive(byte[] s, int rows, int classes, int stride, int first, ActivationStorage storage, int threshold)
    {
        var hits = new List<ScoreHit>();
        for (int r = 0; r < rows; r++)
        {
            var v = Enumerable.Range(0, classes).Select(k => Value(s, storage, r * stride + first + k)).ToArray();
            int max = v.Max();
            if (max >= threshold)
            {
                hits.Add(new ScoreHit(r, Array.IndexOf(v, max), max));
            }
        }
        return hits;
    }

    private static byte[] Scores(Random rng, int elements, ActivationStorage storage, bool sparse)
    {
        int bytes = storage == ActivationStorage.Int16 ? 2 : 1;
        var b = new byte[elements * bytes];
        rng.NextBytes(b);
        if (sparse)
        {
            // mostly low scores, as in a real head, with a few high ones
            for (int i = 0; i < elements; i++)
            {
                int v = rng.Next(100) < 2 ? rng.Next(-32768, 32768) : rng.Next(0, 40) * (bytes == 2 ? 300 : 1);
                b[bytes * i] = (byte)v;
                if (bytes == 2)
                {
                    b[2 * i + 1] = (byte)(v >> 8);
                }
            }
        }
        return b;
    }

    public static TheoryData<ActivationStorage> Storages() => [ActivationStorage.UInt8, ActivationStorage.Int8, ActivationStorage.Int16];

    [Theory]
    [MemberData(nameof(Storages))]
    public void EveryVariantMatchesTheScalarTwinAndTheDefinition(ActivationStorage storage)
    {
        var (lo, hi) = BestClassScanShape.Range(storage);
        VariantSweep.ForEach(BestClassScanKernels.Variants, v =>
        {
            int seed = 0;
            foreach (int classes in Enumerable.Range(1, 70).Concat([80, 100, 257]))
            {
                var rng = new Random(++seed);
                int rows = rng.Next(0, 12), first = rng.Next(0, 3), stride = classes + first + rng.Next(0, 5);
                var s = Scores(rng, Math.Max(1, rows * stride), storage, sparse: seed % 3 != 0);
                foreach (int t in new[] { lo, lo + 1, lo + 20, 0, 1, 30, 9000, hi - 1, hi, hi + 1 }.Where(t => t >= lo && t <= hi + 1))
                {
                    var shape = new BestClassScanShape(rows, classes, stride, first, storage, t);
                    var want = new ScoreHit[rows];
                    var got = new ScoreHit[rows];
                    int nw = BestClassScanKernels.Scalar.Run(s, shape, want);
                    int ng = v.Run(s, shape, got);
                    Assert.Equal(want.AsSpan(0, nw).ToArray(), got.AsSpan(0, ng).ToArray());
                    Assert.Equal(Naive(s, rows, classes, stride, first, storage, t), want.AsSpan(0, nw).ToArray());
                }
            }
        });
    }

    [Fact]
    public void TiesGoToTheLowestClass()
    {
        var s = new byte[] { 5, 9, 9, 9, 1, 200, 200, 3 };
        short[] wide = [-5, 900, 900, -7, 30000, 2, 30000, 30000];
        VariantSweep.ForEach(BestClassScanKernels.Variants, v =>
        {
            var hits = new ScoreHit[2];
            Assert.Equal(2, v.Run(s, new BestClassScanShape(2, 4, 4, 0, ActivationStorage.UInt8, 9), hits));
            Assert.Equal(new ScoreHit(0, 1, 9), hits[0]);
            Assert.Equal(new ScoreHit(1, 1, 200), hits[1]);
            Assert.Equal(2, v.Run(MemoryMarshal.AsBytes(wide.AsSpan()), new BestClassScanShape(2, 4, 4, 0, ActivationStorage.Int16, 900), hits));
            Assert.Equal(new ScoreHit(0, 1, 900), hits[0]);
            Assert.Equal(new ScoreHit(1, 0, 30000), hits[1]);
        });
    }

    [Fact]
    public void ShapeValidationNamesTheProblem()
    {
        Assert.Throws<ArgumentException>(() => new BestClassScanShape(2, 0, 4, 0, ActivationStorage.UInt8, 0));
        Assert.Throws<ArgumentException>(() => new BestClassScanShape(2, 4, 3, 0, ActivationStorage.UInt8, 0));
        Assert.Equal("storage", Assert.Throws<ArgumentException>(() => new BestClassScanShape(2, 4, 4, 0, ActivationStorage.PackedUnsigned, 0)).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new BestClassScanShape(2, 4, 4, 0, ActivationStorage.UInt8, 257)).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new BestClassScanShape(2, 4, 4, 0, ActivationStorage.Int8, -129)).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new BestClassScanShape(2, 4, 4, 0, ActivationStorage.Int16, 32769)).ParamName);
        Assert.Throws<ArgumentException>(() => BestClassScanKernels.Scalar.Run(new byte[15], new BestClassScanShape(2, 4, 4, 0, ActivationStorage.Int16, 0), new ScoreHit[2]));
    }
}
