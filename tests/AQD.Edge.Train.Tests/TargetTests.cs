using AQD.Edge.Aqd;
using AQD.Edge.DetectionData;

namespace AQD.Edge.Train.Tests;

/// <summary>Target assignment: FCOS overlapping size ranges and thin boxes, RetinaNet IoU matching and delta coding.</summary>
public sealed class TargetTests
{
    private static readonly ModelConfig Fcos = new() { ImageSize = 128, NumClasses = 10 };

    [Fact]
    public void ThinBoxStillGetsAPositiveLocation()
    {
        // a handwritten "1": 3 px wide, between the P3 location columns at x = 4, 12, 20 ... (none inside)
        var t = Targets.Fcos(Fcos, [[new GroundTruthBox(1, 13f, 30f, 16f, 58f)]]);
        Assert.True(t.NumPositive > 0);
        var pts = Anchors.Points(Fcos);
        for (int i = 0; i < t.Labels.Length; i++)
        {
            if (t.Labels[i] >= 0)
            {
                Assert.Equal(1, t.Labels[i]);
                Assert.All(t.Box.AsSpan(4 * i, 4).ToArray(), v => Assert.True(v >= 0.5f));
                Assert.InRange(pts[i].Cx, 13 - pts[i].Stride, 16 + pts[i].Stride);
            }
        }
    }

    [Fact]
    public void EveryBoxSizeFindsALevel()
    {
        // square boxes from 8 to 120 px centred in the image: the overlapping ranges leave no gap
        for (int s = 8; s <= 120; s += 4)
        {
            float x1 = 64 - s / 2f, x2 = 64 + s / 2f;
            var t = Targets.Fcos(Fcos, [[new GroundTruthBox(3, x1, x1, x2, x2)]]);
            Assert.True(t.NumPositive > 0, $"box {s} px has no positive location");
        }
    }

    [Fact]
    public void FcosRegressionTargetsAreDistancesToTheSides()
    {
        var t = Targets.Fcos(Fcos, [[new GroundTruthBox(2, 10f, 21f, 50f, 45f)]]);
        var pts = Anchors.Points(Fcos);
        int i = Array.FindIndex(t.Labels, l => l >= 0);
        Assert.True(i >= 0);
        var (cx, cy, _, _) = pts[i];
        Assert.Equal([cx - 10f, cy - 21f, 50f - cx, 45f - cy], t.Box.AsSpan(4 * i, 4).ToArray());
    }

    [Fact]
    public void RetinaMatchesAnchorsAndCodesDeltas()
    {
        var c = new ModelConfig { Family = AqdFamily.RetinaNet, ImageSize = 128, NumClasses = 10 };
        var anchors = Anchors.RetinaAnchors(c);
        Assert.Equal((16 * 16 + 8 * 8 + 4 * 4 + 2 * 2 + 1) * 9, anchors.Length);
        // a box equal to an anchor: that anchor is positive with zero deltas
        int a = 9 * (5 * 16 + 6) + 4;   // P3 location (row 5, column 6), size 32 * 2^(1/3), ratio 1
        var an = anchors[a];
        var t = Targets.Retina(c, anchors, [[new GroundTruthBox(7, an[0], an[1], an[2], an[3])]]);
        Assert.Equal(7, t.Labels[a]);
        Assert.All(t.Box.AsSpan(4 * a, 4).ToArray(), v => Assert.Equal(0, v, 4));
        // far anchors are negative (-1), never ignored (-2) or positive
        Assert.Equal(-1, t.Labels[anchors.Length - 1]);
        Assert.True(t.NumPositive >= 1);
    }
}
