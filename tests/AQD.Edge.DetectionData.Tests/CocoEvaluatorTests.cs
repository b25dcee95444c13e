using AQD.Edge.DetectionData;

namespace AQD.Edge.DetectionData.Tests;

/// <summary>The evaluator against cases whose COCO numbers are worked out by hand (pycocotools semantics:
/// greedy matching by score, 101 recall points, precision made monotone, 0 past the last recall).</summary>
public sealed class CocoEvaluatorTests
{
    private const double Tol = 1e-12;

    private static DetectionSample Image(int id, params GroundTruthBox[] boxes) => new(id, 256, 256, [], boxes);
    private static GroundTruthBox G(int c, float x1, float y1, float x2, float y2) => new(c, x1, y1, x2, y2);
    private static ScoredBox D(int img, int c, float score, float x1, float y1, float x2, float y2) => new(img, c, score, x1, y1, x2, y2);

    [Fact]
    public void PerfectDetectionsScoreOneAndEmptyAreaBucketsAreMinusOne()
    {
        // Two medium objects (40x40 = 1600 px²): small and large buckets have no ground truth.
        var gt = new[] { Image(1, G(0, 10, 10, 50, 50)), Image(2, G(1, 100, 100, 140, 140)) };
        var dets = new[] { D(1, 0, 0.9f, 10, 10, 50, 50), D(2, 1, 0.8f, 100, 100, 140, 140) };
        var m = CocoEvaluator.Evaluate(gt, dets, 2);
        Assert.Equal(1.0, m.AP, Tol);
        Assert.Equal(1.0, m.AP50, Tol);
        Assert.Equal(1.0, m.AP75, Tol);
        Assert.Equal(1.0, m.APm, Tol);
        Assert.Equal(-1.0, m.APs);
        Assert.Equal(-1.0, m.APl);
        Assert.Equal(1.0, m.AR1, Tol);
        Assert.Equal(1.0, m.AR100, Tol);
        Assert.Equal(-1.0, m.ARs);
        Assert.Equal([1.0, 1.0], m.PerClassAP, (a, b) => Math.Abs(a - b) < Tol); // 1/(1 + eps) as pycocotools
    }

    [Fact]
    public void FalsePositiveRankedFirstHalvesPrecisionEverywhere()
    {
        // FP (0.9) then TP (0.8): precision [0, 1/2] -> monotone [1/2, 1/2], recall reaches 1 at the 2nd det.
        var gt = new[] { Image(1, G(0, 0, 0, 20, 20)) };
        var dets = new[] { D(1, 0, 0.9f, 100, 100, 120, 120), D(1, 0, 0.8f, 0, 0, 20, 20) };
        var m = CocoEvaluator.Evaluate(gt, dets, 1);
        Assert.Equal(0.5, m.AP, Tol);
        Assert.Equal(0.5, m.AP50, Tol);
        Assert.Equal(0.5, m.APs, Tol);
        Assert.Equal(1.0, m.AR100, Tol);
        Assert.Equal(0.0, m.AR1, Tol); // only the FP is within maxDets 1
    }

    [Fact]
    public void FalsePositiveRankedAfterFullRecallCostsNothing()
    {
        var gt = new[] { Image(1, G(0, 0, 0, 20, 20)) };
        var dets = new[] { D(1, 0, 0.9f, 0, 0, 20, 20), D(1, 0, 0.8f, 100, 100, 120, 120) };
        Assert.Equal(1.0, CocoEvaluator.Evaluate(gt, dets, 1).AP, Tol);
    }

    [Fact]
    public void ApCountsTheIouThresholdsABoxPasses()
    {
        // IoU = 72/100 = 0.72: a TP at 0.50, 0.55, 0.60, 0.65, 0.70 (5 of 10), missed at 0.75+.
        var gt = new[] { Image(1, G(0, 0, 0, 10, 10)) };
        var m = CocoEvaluator.Evaluate(gt, [D(1, 0, 0.5f, 0, 0, 10, 7.2f)], 1);
        Assert.Equal(0.5, m.AP, Tol);
        Assert.Equal(1.0, m.AP50, Tol);
        Assert.Equal(0.0, m.AP75, Tol);
        Assert.Equal(0.5, m.AR100, Tol);
    }

    [Fact]
    public void DuplicateDetectionIsAFalsePositive()
    {
        // TP on A (0.9), duplicate on A (0.8), TP on B (0.7): precision [1, 1/2, 2/3] -> monotone [1, 2/3, 2/3],
        // recall [1/2, 1/2, 1]: 51 recall points (0..0.50) at 1, 50 points at 2/3.
        var gt = new[] { Image(1, G(0, 0, 0, 20, 20), G(0, 50, 50, 70, 70)) };
        var dets = new[] { D(1, 0, 0.9f, 0, 0, 20, 20), D(1, 0, 0.8f, 0, 0, 20, 20), D(1, 0, 0.7f, 50, 50, 70, 70) };
        var m = CocoEvaluator.Evaluate(gt, dets, 1);
        double expected = (51 + 50 * (2.0 / 3.0)) / 101;
        Assert.Equal(expected, m.AP, 1e-9);
        Assert.Equal(expected, m.AP75, 1e-9);
        Assert.Equal(0.5, m.AR1, Tol);
        Assert.Equal(1.0, m.AR10, Tol);
    }

    [Fact]
    public void GreedyMatchingGivesTheGroundTruthToTheHigherScore()
    {
        // A = [0,0,10,10], B = [6,0,16,10]. det1 (0.9) = [2,0,12,10]: IoU(A) = 80/120 = 2/3, IoU(B) = 60/140.
        // det2 (0.8) = A exactly, IoU(B) = 40/160. At t <= 0.65 (4 thresholds) det1 takes A and det2 is a FP:
        // 51 points at precision 1 -> 51/101. At t >= 0.70 (6) det1 is a FP, det2 a TP: 51 points at 1/2.
        var gt = new[] { Image(1, G(0, 0, 0, 10, 10), G(0, 6, 0, 16, 10)) };
        var dets = new[] { D(1, 0, 0.9f, 2, 0, 12, 10), D(1, 0, 0.8f, 0, 0, 10, 10) };
        var m = CocoEvaluator.Evaluate(gt, dets, 1);
        Assert.Equal(51.0 / 101, m.AP50, Tol);
        Assert.Equal(25.5 / 101, m.AP75, Tol);
        Assert.Equal((4 * 51 + 6 * 25.5) / 1010, m.AP, 1e-12);
    }

    [Fact]
    public void ApIsTheMeanOverClassesWithGroundTruth()
    {
        // Class 0 perfect (1.0); class 1's only object is detected as class 0 (class 1: 0.0; class 0 gets a FP
        // ranked last, costing nothing); class 2 has no ground truth but a FP: excluded (-1), not averaged.
        var gt = new[] { Image(1, G(0, 0, 0, 20, 20)), Image(2, G(1, 30, 30, 60, 60)) };
        var dets = new[]
        {
            D(1, 0, 0.9f, 0, 0, 20, 20),
            D(2, 0, 0.7f, 30, 30, 60, 60),
            D(2, 2, 0.6f, 0, 0, 10, 10),
        };
        var m = CocoEvaluator.Evaluate(gt, dets, 3);
        Assert.Equal([1.0, 0.0, -1.0], m.PerClassAP, (a, b) => Math.Abs(a - b) < Tol);
        Assert.Equal(0.5, m.AP, Tol);
        Assert.Equal(0.5, m.AR100, Tol);
    }

    [Fact]
    public void AreaBucketsIgnoreOtherSizes()
    {
        // small 10x10 (found, 0.9), medium 50x50 (missed), large 100x100 (found, 0.8).
        // all: recall 1/3, 2/3 at precision 1 -> points 0..0.66 (67 of 101) at 1.
        var gt = new[] { Image(1, G(0, 0, 0, 10, 10), G(0, 20, 20, 70, 70), G(0, 100, 100, 200, 200)) };
        var dets = new[] { D(1, 0, 0.9f, 0, 0, 10, 10), D(1, 0, 0.8f, 100, 100, 200, 200) };
        var m = CocoEvaluator.Evaluate(gt, dets, 1);
        Assert.Equal(67.0 / 101, m.AP, Tol);
        Assert.Equal(1.0, m.APs, Tol);
        Assert.Equal(0.0, m.APm, Tol);
        Assert.Equal(1.0, m.APl, Tol);
        Assert.Equal(2.0 / 3, m.AR100, Tol);
        Assert.Equal(1.0, m.ARs, Tol);
        Assert.Equal(0.0, m.ARm, Tol);
    }

    [Fact]
    public void UnmatchedDetectionOutsideTheAreaRangeIsIgnored()
    {
        // One small object found; a large unmatched FP ranked first: a FP for "all" (AP 1/2) but ignored
        // for "small" (APs 1).
        var gt = new[] { Image(1, G(0, 0, 0, 10, 10)) };
        var dets = new[] { D(1, 0, 0.9f, 100, 100, 220, 220), D(1, 0, 0.8f, 0, 0, 10, 10) };
        var m = CocoEvaluator.Evaluate(gt, dets, 1);
        Assert.Equal(0.5, m.AP, Tol);
        Assert.Equal(1.0, m.APs, Tol);
    }

    [Fact]
    public void EqualScoresAreRankedInImageIdOrder()
    {
        // A FP in image 1 and a TP in image 2, same score: the FP ranks first (images in id order, stable).
        var gt = new[] { Image(2, G(0, 0, 0, 20, 20)), Image(1) };
        var dets = new[] { D(2, 0, 0.5f, 0, 0, 20, 20), D(1, 0, 0.5f, 0, 0, 20, 20) };
        Assert.Equal(0.5, CocoEvaluator.Evaluate(gt, dets, 1).AP, Tol);
        var swapped = new[] { Image(1, G(0, 0, 0, 20, 20)), Image(2) };
        var dets2 = new[] { D(1, 0, 0.5f, 0, 0, 20, 20), D(2, 0, 0.5f, 0, 0, 20, 20) };
        Assert.Equal(1.0, CocoEvaluator.Evaluate(swapped, dets2, 1).AP, Tol);
    }

    [Fact]
    public void MaxDetsKeepsTheHundredBestPerImageAndClass()
    {
        // 101 objects in one image, all found; the 101st-ranked detection is beyond maxDets 100.
        var boxes = Enumerable.Range(0, 101).Select(i => G(0, i % 20 * 12, i / 20 * 12, i % 20 * 12 + 10, i / 20 * 12 + 10)).ToArray();
        var dets = boxes.Select((b, i) => D(1, 0, 1f - i * 0.001f, b.X1, b.Y1, b.X2, b.Y2)).ToArray();
        var m = CocoEvaluator.Evaluate([Image(1, boxes)], dets, 1);
        Assert.Equal(100.0 / 101, m.AR100, Tol);
        Assert.Equal(1.0 / 101, m.AR1, Tol);
        // Precision 1 up to recall 100/101 = 0.990: points 0..0.99 = 100 of 101.
        Assert.Equal(100.0 / 101, m.AP, Tol);
    }

    [Fact]
    public void NoDetectionsGiveZeroAndNoGroundTruthGivesMinusOne()
    {
        var m = CocoEvaluator.Evaluate([Image(1, G(0, 0, 0, 20, 20))], [], 1);
        Assert.Equal(0.0, m.AP);
        Assert.Equal(0.0, m.AR100);
        var none = CocoEvaluator.Evaluate([Image(1)], [D(1, 0, 0.5f, 0, 0, 5, 5)], 1);
        Assert.Equal(-1.0, none.AP);
        Assert.Equal(-1.0, none.AR100);
    }

    [Fact]
    public void BadInputIsRejectedWithAClearMessage()
    {
        var gt = new[] { Image(1, G(0, 0, 0, 20, 20)) };
        var e = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(gt, [D(7, 0, 0.5f, 0, 0, 5, 5)], 1));
        Assert.Contains("image 7", e.Message);
        e = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(gt, [D(1, 3, 0.5f, 0, 0, 5, 5)], 2));
        Assert.Contains("class 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(gt, [D(1, 0, float.NaN, 0, 0, 5, 5)], 1));
        Assert.Contains("not finite", e.Message);
        e = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate([Image(1), Image(1)], [], 1));
        Assert.Contains("twice", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => CocoEvaluator.Evaluate(gt, [], 0));
    }

    [Fact]
    public void ThresholdsAreNumpysLinspace()
    {
        Assert.Equal(10, CocoEvaluator.IouThresholds.Length);
        Assert.Equal(0.75, CocoEvaluator.IouThresholds[5]);
        Assert.Equal(0.95, CocoEvaluator.IouThresholds[9]);
        Assert.Equal(101, CocoEvaluator.RecallThresholds.Length);
        Assert.Equal(1.0, CocoEvaluator.RecallThresholds[100]);
    }
}
