namespace AQD.Edge.Detection.Tests;

/// <summary>A float detection of an AQD detector: class, score, level, row (cell, or cell x 9 + anchor), box in original-image pixels.</summary>
internal sealed record AqdFloatDetection(int ClassId, double Score, int Level, int Row, double X1, double Y1, double X2, double Y2);

/// <summary>
/// The float decode of an AQD detector's head outputs (dequantized to real values), written from the
/// detectors' own recipes, independent of the DETC tables:
/// <list type="bullet">
/// <item>FCOS (AdelaiDet, Tian et al. 2019): locations (i + 1/2) stride (shift + stride // 2), cls probability
/// sigmoid(logit) over the pre-NMS threshold, score = sigmoid(cls) x sigmoid(centerness), distances
/// l, t, r, b = ReLU(scale_l x) x stride (the regression output is already the ReLU of the scaled value, in strides);</item>
/// <item>RetinaNet (detectron2, Lin et al. 2017): anchors centred at i x stride (offset 0), sizes
/// 32..512 x {2^0, 2^(1/3), 2^(2/3)} (outer) x aspect ratios h / w {0.5, 1, 2} (inner), w = sqrt(size^2 / r),
/// h = r w; Box2BoxTransform with weights 1: cx + dx w, cy + dy h, w exp(min(dw, ln(1000 / 16)));</item>
/// <item>both: the best class of a location / anchor, boxes clipped to the input, sorted by score (ties:
/// level, row), per-class greedy NMS (a box goes when its IoU with a kept box of its class is over the
/// threshold, compared as inter x 1000 &gt; permille x union), at most maxDetections; then mapped to the
/// original image by the inverse of the resize (stretch: x W / inW; letterbox: scale min(inW / W, inH / H),
/// placed size round(W s), centred) and clamped to it.</item>
/// </list>
/// </summary>
internal static class AqdFloatDecode
{
    public static readonly int[] Strides = [8, 16, 32, 64, 128];

    /// <summary><paramref name="cls"/>, <paramref name="box"/>, <paramref name="ctr"/>: per level, real values [cells][channels].</summary>
    public static List<AqdFloatDetection> Decode(bool fcos, int numClasses, int inW, int inH, IReadOnlyList<float[]> cls, IReadOnlyList<float[]> box,
        IReadOnlyList<float[]>? ctr, double scoreThreshold, int iouPermille, int maxDetections, bool letterbox, int imageW, int imageH)
    {
        int anchors = fcos ? 1 : 9;
        var candidates = new List<AqdFloatDetection>();
        for (int li = 0; li < Strides.Length; li++)
        {
            int s = Strides[li];
            int gw = (inW + s - 1) / s, gh = (inH + s - 1) / s;
            var cellAnchors = fcos ? [] : Anchors(32 << li);
            for (int row = 0; row < gw * gh * anchors; row++)
            {
                int best = 0;
                for (int j = 1; j < numClasses; j++)
                {
                    if (cls[li][row * numClasses + j] > cls[li][row * numClasses + best])
                    {
                        best = j;
                    }
                }
                double p = Sigmoid(cls[li][row * numClasses + best]);
                if (!(p > scoreThreshold))
                {
                    continue;
                }
                int cell = row / anchors, gx = cell % gw, gy = cell / gw;
                double x1, y1, x2, y2, score = p;
                if (fcos)
                {
                    double cx = gx * s + s / 2, cy = gy * s + s / 2;
                    var d = box[li].AsSpan(cell * 4, 4);
                    (x1, y1, x2, y2) = (cx - d[0] * s, cy - d[1] * s, cx + d[2] * s, cy + d[3] * s);
                    score = p * Sigmoid(ctr![li][cell]);
                }
                else
                {
                    var (aw, ah) = cellAnchors[row % anchors];
                    var d = box[li].AsSpan(row * 4, 4);
                    double clamp = Math.Log(1000.0 / 16);
                    double cx = gx * s + d[0] * aw, cy = gy * s + d[1] * ah;
                    double w = aw * Math.Exp(Math.Min(d[2], clamp)), h = ah * Math.Exp(Math.Min(d[3], clamp));
                    (x1, y1, x2, y2) = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
                }
                candidates.Add(new AqdFloatDetection(best, score, li, row,
                    Math.Clamp(x1, 0, inW), Math.Clamp(y1, 0, inH), Math.Clamp(x2, 0, inW), Math.Clamp(y2, 0, inH)));
            }
        }
        var kept = new List<AqdFloatDetection>();
        foreach (var c in candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Level).ThenBy(c => c.Row))
        {
            if (kept.Count == maxDetections)
            {
                break;
            }
            if (!kept.Any(k => k.ClassId == c.ClassId && IouAbove(k, c, iouPermille)))
            {
                kept.Add(c);
            }
        }
        // the resize's inverse
        double sx = (double)inW / imageW, sy = (double)inH / imageH, ox = 0, oy = 0;
        if (letterbox)
        {
            double r = Math.Min(sx, sy);
            double pw = Math.Round(imageW * r, MidpointRounding.AwayFromZero), ph = Math.Round(imageH * r, MidpointRounding.AwayFromZero);
            (sx, sy) = (pw / imageW, ph / imageH);
            (ox, oy) = (Math.Floor((inW - pw) / 2), Math.Floor((inH - ph) / 2));
        }
        return [.. kept.Select(k => k with
        {
            X1 = Math.Clamp((k.X1 - ox) / sx, 0, imageW), Y1 = Math.Clamp((k.Y1 - oy) / sy, 0, imageH),
            X2 = Math.Clamp((k.X2 - ox) / sx, 0, imageW), Y2 = Math.Clamp((k.Y2 - oy) / sy, 0, imageH),
        })];
    }

    /// <summary>detectron2's cell anchors of one level: sizes outer, aspect ratios inner.</summary>
    public static (double W, double H)[] Anchors(int size)
    {
        var a = new List<(double, double)>();
        foreach (double sz in new[] { size, size * Math.Pow(2, 1.0 / 3), size * Math.Pow(2, 2.0 / 3) })
        {
            foreach (double r in new[] { 0.5, 1.0, 2.0 })
            {
                double w = Math.Sqrt(sz * sz / r);
                a.Add((w, r * w));
            }
        }
        return [.. a];
    }

    private static bool IouAbove(AqdFloatDetection a, AqdFloatDetection b, int permille)
    {
        double iw = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1), ih = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        double inter = iw > 0 && ih > 0 ? iw * ih : 0;
        static double Area(AqdFloatDetection d) => d.X2 > d.X1 && d.Y2 > d.Y1 ? (d.X2 - d.X1) * (d.Y2 - d.Y1) : 0;
        return inter * 1000 > permille * (Area(a) + Area(b) - inter);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
