using AQD.Edge.DetectionData;

namespace AQD.Edge.Train;

/// <summary>Training targets of one batch, flattened over (image, location[, anchor]).</summary>
public sealed record BatchTargets(int[] Labels, float[] Box, int NumPositive);

/// <summary>
/// FCOS target assignment: a location is positive for a box if it lies in the box's centre region
/// (radius 1.5 strides, within the box) and the largest of its four distances lies in the level's size
/// range; ranges overlap between levels (P3 [0, 64], P4 [32, 128], P5 [64, 256], P6 [128, 512], P7 [256, inf))
/// so no box falls into a gap; for the inclusion test a box is widened to at least one stride (a thin
/// handwritten "1" gets a location); of several boxes the smallest wins. Regression targets ltrb in pixels
/// (at least 0.5). RetinaNet: anchors with IoU >= 0.5 are positive, &lt; 0.4 negative, between ignored (label -2),
/// plus each box's best anchors (detectron2's low-quality matches); delta targets with weights 1 (detectron2's RetinaNet).
/// </summary>
public static class Targets
{
    public static readonly double[] RangeLo = [0, 32, 64, 128, 256];
    public static readonly double[] RangeHi = [64, 128, 256, 512, double.PositiveInfinity];
    public const double CenterRadius = 1.5;

    public static BatchTargets Fcos(ModelConfig c, IReadOnlyList<IReadOnlyList<GroundTruthBox>> boxes)
    {
        var pts = Anchors.Points(c);
        int n = pts.Length;
        var labels = new int[boxes.Count * n];
        var reg = new float[boxes.Count * n * 4];
        int pos = 0;
        Array.Fill(labels, -1);
        for (int img = 0; img < boxes.Count; img++)
        {
            for (int i = 0; i < n; i++)
            {
                var (x, y, s, l) = pts[i];
                double best = double.PositiveInfinity;
                GroundTruthBox? chosen = null;
                foreach (var b in boxes[img])
                {
                    double cx = (b.X1 + b.X2) / 2, cy = (b.Y1 + b.Y2) / 2;
                    double bx1 = Math.Min(b.X1, cx - s / 2.0), bx2 = Math.Max(b.X2, cx + s / 2.0);
                    double by1 = Math.Min(b.Y1, cy - s / 2.0), by2 = Math.Max(b.Y2, cy + s / 2.0);
                    double r = CenterRadius * s;
                    double rx1 = Math.Max(bx1, cx - r), rx2 = Math.Min(bx2, cx + r), ry1 = Math.Max(by1, cy - r), ry2 = Math.Min(by2, cy + r);
                    if (x < rx1 || x >= rx2 || y < ry1 || y >= ry2)
                    {
                        continue;
                    }
                    double m = Math.Max(Math.Max(x - b.X1, b.X2 - x), Math.Max(y - b.Y1, b.Y2 - y));
                    if (m < RangeLo[l] || m > RangeHi[l])
                    {
                        continue;
                    }
                    double area = (b.X2 - b.X1) * (b.Y2 - b.Y1);
                    if (area < best)
                    {
                        best = area;
                        chosen = b;
                    }
                }
                if (chosen is null)
                {
                    continue;
                }
                int k = img * n + i;
                labels[k] = chosen.ClassId;
                reg[4 * k] = Math.Max(0.5f, x - chosen.X1);
                reg[4 * k + 1] = Math.Max(0.5f, y - chosen.Y1);
                reg[4 * k + 2] = Math.Max(0.5f, chosen.X2 - x);
                reg[4 * k + 3] = Math.Max(0.5f, chosen.Y2 - y);
                pos++;
            }
        }
        return new BatchTargets(labels, reg, pos);
    }

    public static BatchTargets Retina(ModelConfig c, float[][] anchors, IReadOnlyList<IReadOnlyList<GroundTruthBox>> boxes)
    {
        int n = anchors.Length;
        var labels = new int[boxes.Count * n];
        var deltas = new float[boxes.Count * n * 4];
        int pos = 0;
        for (int img = 0; img < boxes.Count; img++)
        {
            var gts = boxes[img];
            var bestIou = new double[n];
            var bestGt = new int[n];
            Array.Fill(bestGt, -1);
            var gtBest = new double[gts.Count];
            var ious = new double[gts.Count][];
            for (int g = 0; g < gts.Count; g++)
            {
                var b = gts[g];
                ious[g] = new double[n];
                for (int a = 0; a < n; a++)
                {
                    double v = Anchors.IoU(anchors[a], b.X1, b.Y1, b.X2, b.Y2);
                    ious[g][a] = v;
                    gtBest[g] = Math.Max(gtBest[g], v);
                    if (v > bestIou[a])
                    {
                        bestIou[a] = v;
                        bestGt[a] = g;
                    }
                }
            }
            var positive = new bool[n];
            for (int a = 0; a < n; a++)
            {
                positive[a] = bestIou[a] >= 0.5;
            }
            for (int g = 0; g < gts.Count; g++)
            {
                for (int a = 0; a < n; a++)
                {
                    if (gtBest[g] > 0 && ious[g][a] == gtBest[g])
                    {
                        positive[a] = true;
                        bestGt[a] = g;   // low-quality match: the box that has this anchor as its best
                    }
                }
            }
            for (int a = 0; a < n; a++)
            {
                int k = img * n + a;
                if (!positive[a])
                {
                    labels[k] = bestIou[a] < 0.4 ? -1 : -2;
                    continue;
                }
                var b = gts[bestGt[a]];
                labels[k] = b.ClassId;
                var an = anchors[a];
                double aw = an[2] - an[0], ah = an[3] - an[1], ax = an[0] + aw / 2, ay = an[1] + ah / 2;
                double gw = Math.Max(1, b.X2 - b.X1), gh = Math.Max(1, b.Y2 - b.Y1), gx = (b.X1 + b.X2) / 2, gy = (b.Y1 + b.Y2) / 2;
                deltas[4 * k] = (float)(Anchors.DeltaWeights[0] * (gx - ax) / aw);
                deltas[4 * k + 1] = (float)(Anchors.DeltaWeights[1] * (gy - ay) / ah);
                deltas[4 * k + 2] = (float)(Anchors.DeltaWeights[2] * Math.Log(gw / aw));
                deltas[4 * k + 3] = (float)(Anchors.DeltaWeights[3] * Math.Log(gh / ah));
                pos++;
            }
        }
        return new BatchTargets(labels, deltas, pos);
    }
}
