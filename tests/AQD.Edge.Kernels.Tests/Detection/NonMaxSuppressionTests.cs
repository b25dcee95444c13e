using AQD.Edge.Kernels.Detection;

namespace AQD.Edge.Kernels.Tests.Detection;

public class NonMaxSuppressionTests
{
    private static DetectionCandidate Box(int cls, int score, int x1, int y1, int x2, int y2, int level = 0, int row = 0)
        => new() { ClassId = cls, Score = score, X1 = x1, Y1 = y1, X2 = x2, Y2 = y2, Level = level, Row = row };

    [Fact]
    public void IouIsExactAtTheThreshold()
    {
        // a = 10 x 10 (100), b = 10 x 6 inside a: inter 60, union 100 -> IoU 0.6 exactly
        var a = Box(0, 0, 0, 0, 10, 10);
        var b = Box(0, 0, 0, 0, 10, 6);
        Assert.False(BoxIou.Above(a, b, 600));   // not strictly above
        Assert.True(BoxIou.Above(a, b, 599));
        Assert.Equal(60, BoxIou.Intersection(a, b));
        // one Q8 unit more overlap tips it
        Assert.True(BoxIou.Above(a, Box(0, 0, 0, 0, 10, 7), 600));
    }

    [Fact]
    public void IouEdgeCases()
    {
        var a = Box(0, 0, 0, 0, 100, 100);
        Assert.Equal(0, BoxIou.Intersection(a, Box(0, 0, 100, 0, 200, 100)));           // touching edges
        Assert.False(BoxIou.Above(a, Box(0, 0, 100, 0, 200, 100), 1));
        Assert.True(BoxIou.Above(a, a, 999));                                               // identical: IoU 1
        Assert.False(BoxIou.Above(a, a, 1000));
        Assert.False(BoxIou.Above(Box(0, 0, 5, 5, 5, 5), Box(0, 0, 5, 5, 5, 5), 1));      // empty boxes: IoU 0
        Assert.Equal(0, BoxIou.Area(Box(0, 0, 10, 10, 5, 20)));                            // inverted extent
        // largest coordinates (16384 px in Q8): products stay exact in 64 bits
        int m = 16384 << 8;
        var big = Box(0, 0, 0, 0, m, m);
        var half = Box(0, 0, 0, 0, m, m / 2);
        Assert.False(BoxIou.Above(big, half, 500));
        Assert.True(BoxIou.Above(big, half, 499));
    }

    [Fact]
    public void RandomBoxesAgreeWithARationalReference()
    {
        var rng = new Random(7);
        for (int i = 0; i < 20000; i++)
        {
            var a = Box(0, 0, rng.Next(0, 500), rng.Next(0, 500), rng.Next(0, 1000), rng.Next(0, 1000));
            var b = Box(0, 0, rng.Next(0, 500), rng.Next(0, 500), rng.Next(0, 1000), rng.Next(0, 1000));
            int t = rng.Next(1, 1001);
            decimal iw = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1)), ih = Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
            decimal area(DetectionCandidate c) => Math.Max(0, c.X2 - c.X1) * (decimal)Math.Max(0, c.Y2 - c.Y1);
            decimal inter = iw * ih, union = area(a) + area(b) - inter;
            bool want = union > 0 && inter / union > t / 1000m;
            Assert.Equal(want, BoxIou.Above(a, b, t));
        }
    }

    [Fact]
    public void SortsByScoreThenLevelThenRowAndSuppressesPerClass()
    {
        var c = new[]
        {
            Box(1, 100, 0, 0, 10, 10, level: 1, row: 5),
            Box(1, 200, 0, 0, 10, 10, level: 2, row: 0),
            Box(2, 200, 0, 0, 10, 10, level: 1, row: 9),   // other class, same box: kept
            Box(1, 200, 50, 50, 60, 60, level: 1, row: 3), // ties on score: level 1 before level 2
            Box(1, 200, 80, 80, 90, 90, level: 1, row: 1), // ... and row 1 before row 3
        };
        int n = NonMaxSuppression.Run(c, 600, 1000, 100, new int[3], new long[c.Length]);
        Assert.Equal(4, n);
        Assert.Equal([(1, 1, 1), (1, 1, 3), (2, 1, 9), (1, 2, 0)], c[..n].Select(x => (x.ClassId, x.Level, x.Row)));
        // the class-1 box at level 1 row 5 (score 100) overlaps the kept level-2 box fully: suppressed
    }

    [Fact]
    public void SortKeysFollowCandidateOrder()
    {
        var rng = new Random(11);
        var c = Enumerable.Range(0, 3000).Select(_ => Box(0, rng.Next(0, 65537) / 4096 * 4096, 0, 0, 1, 1, rng.Next(0, 8), rng.Next(0, 1 << 24))).ToArray();
        var byComparer = c.Order(Comparer<DetectionCandidate>.Create(new CandidateOrder().Compare)).ToArray();
        var byKey = c.OrderBy(x => NonMaxSuppression.SortKey(x)).ToArray();
        Assert.Equal(byComparer.Select(x => (x.Score, x.Level, x.Row)), byKey.Select(x => (x.Score, x.Level, x.Row)));
        Assert.Throws<ArgumentException>(() => NonMaxSuppression.SortKey(Box(0, 65537, 0, 0, 1, 1)));
        Assert.Throws<ArgumentException>(() => NonMaxSuppression.SortKey(Box(0, 1, 0, 0, 1, 1, level: 8)));
    }

    [Fact]
    public void TopKPerClassAndMaxDetections()
    {
        var c = Enumerable.Range(0, 10).Select(i => Box(i % 2, 1000 - i, i * 100, 0, i * 100 + 50, 50, row: i)).ToArray();
        var counts = new int[2];
        int n = NonMaxSuppression.Run(c, 500, 3, 100, counts, new long[c.Length]);
        Assert.Equal(6, n);   // 3 per class, disjoint boxes
        Assert.Equal([0, 1, 2, 3, 4, 5], c[..n].Select(x => x.Row));
        Assert.Equal([0, 0], counts);   // counters handed back zeroed
        c = Enumerable.Range(0, 10).Select(i => Box(0, 1000 - i, i * 100, 0, i * 100 + 50, 50, row: i)).ToArray();
        Assert.Equal(4, NonMaxSuppression.Run(c, 500, 1000, 4, counts, new long[c.Length]));
        // suppressed candidates still count towards top-k: 3 copies of one box, k = 2 -> only the first survives
        c = [Box(0, 9, 0, 0, 10, 10, row: 0), Box(0, 8, 0, 0, 10, 10, row: 1), Box(0, 7, 20, 20, 30, 30, row: 2)];
        Assert.Equal(1, NonMaxSuppression.Run(c, 500, 2, 100, counts, new long[c.Length]));
    }
}
