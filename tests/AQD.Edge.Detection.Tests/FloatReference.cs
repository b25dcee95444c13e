namespace AQD.Edge.Detection.Tests;

/// <summary>A float decode result: class, score, level, row (cell or cell x anchors + anchor), box in model-input pixels.</summary>
internal sealed record FloatDetection(int ClassId, double Score, int Level, int Row, double X1, double Y1, double X2, double Y2);

/// <summary>Head description for the float reference (what the blob's DETC describes in integers).</summary>
internal sealed record FloatHeads
{
    public required string Family { get; init; }   // nanodet, fcos, retinanet
    public required int[] Strides { get; init; }
    public required int InputWidth { get; init; }
    public required int InputHeight { get; init; }
    public required int NumClasses { get; init; }
    public int RegMax { get; init; }
    public bool ClassLogits { get; init; }
    public bool FcosExponential { get; init; }
    public double CenterOffset { get; init; } = 0.5;
    /// <summary>RetinaNet: per level, (w, h) per anchor.</summary>
    public (double W, double H)[][]? Anchors { get; init; }
    public double ScoreThreshold { get; init; } = 0.35;
    public double IouThreshold { get; init; } = 0.6;
    public int MaxDetections { get; init; } = 100;
    public int TopKPerClass { get; init; } = 1000;
    public int AnchorsPerCell => Anchors?[0].Length ?? 1;
}

/// <summary>
/// The float reference decode (NanoDet README recipe, generalized to FCOS and RetinaNet), in double
/// precision on dequantized head outputs: best class per row with score &gt; threshold, box decode,
/// clip to the input, sort (score desc, level asc, row asc), per-class top-k, greedy per-class NMS
/// (IoU &gt; threshold drops), at most maxDetections.
/// </summary>
internal static class FloatReference
{
    public static List<FloatDetection> Decode(FloatHeads h, IReadOnlyList<float[]> cls, IReadOnlyList<float[]> box, IReadOnlyList<float[]>? ctr = null)
    {
        var candidates = new List<FloatDetection>();
        int a = h.AnchorsPerCell, k = h.NumClasses;
        for (int li = 0; li < h.Strides.Length; li++)
        {
            int s = h.Strides[li];
            int gw = (h.InputWidth + s - 1) / s, gh = (h.InputHeight + s - 1) / s;
            for (int row = 0; row < gw * gh * a; row++)
            {
                int best = 0;
                for (int j = 1; j < k; j++)
                {
                    if (cls[li][row * k + j] > cls[li][row * k + best])
                    {
                        best = j;
                    }
                }
                double score = h.ClassLogits ? Sigmoid(cls[li][row * k + best]) : cls[li][row * k + best];
                if (!(score > h.ScoreThreshold))
                {
                    continue;
                }
                int cell = row / a;
                double cx = (cell % gw + h.CenterOffset) * s, cy = (cell / gw + h.CenterOffset) * s;
                double x1, y1, x2, y2;
                switch (h.Family)
                {
                    case "nanodet":
                    {
                        int n = h.RegMax + 1;
                        var d = new double[4];
                        for (int side = 0; side < 4; side++)
                        {
                            var logits = box[li].AsSpan(cell * 4 * n + side * n, n);
                            double m = double.MinValue;
                            foreach (float v in logits)
                            {
                                m = Math.Max(m, v);
                            }
                            double sum = 0, w = 0;
                            for (int i = 0; i < n; i++)
                            {
                                double e = Math.Exp(logits[i] - m);
                                sum += e;
                                w += i * e;
                            }
                            d[side] = s * w / sum;
                        }
                        (x1, y1, x2, y2) = (cx - d[0], cy - d[1], cx + d[2], cy + d[3]);
                        break;
                    }
                    case "fcos":
                    {
                        double D(int side) => s * (h.FcosExponential ? Math.Exp(box[li][cell * 4 + side]) : Math.Max(0, box[li][cell * 4 + side]));
                        (x1, y1, x2, y2) = (cx - D(0), cy - D(1), cx + D(2), cy + D(3));
                        score *= Sigmoid(ctr![li][cell]);
                        break;
                    }
                    default:
                    {
                        var (aw, ah) = h.Anchors![li][row % a];
                        var dlt = box[li].AsSpan(row * 4, 4);
                        double clamp = Math.Log(1000.0 / 16);
                        double pcx = cx + dlt[0] * aw, pcy = cy + dlt[1] * ah;
                        double pw = Math.Exp(Math.Min(dlt[2], clamp)) * aw, ph = Math.Exp(Math.Min(dlt[3], clamp)) * ah;
                        (x1, y1, x2, y2) = (pcx - pw / 2, pcy - ph / 2, pcx + pw / 2, pcy + ph / 2);
                        break;
                    }
                }
                candidates.Add(new FloatDetection(best, score, li, row,
                    Math.Clamp(x1, 0, h.InputWidth), Math.Clamp(y1, 0, h.InputHeight), Math.Clamp(x2, 0, h.InputWidth), Math.Clamp(y2, 0, h.InputHeight)));
            }
        }
        return Nms(candidates, h.IouThreshold, h.TopKPerClass, h.MaxDetections);
    }

    public static List<FloatDetection> Nms(List<FloatDetection> candidates, double iou, int topK, int maxDetections)
    {
        var sorted = candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Level).ThenBy(c => c.Row).ToList();
        var kept = new List<FloatDetection>();
        var perClass = new Dictionary<int, int>();
        foreach (var c in sorted)
        {
            if (kept.Count >= maxDetections)
            {
                break;
            }
            int seen = perClass.GetValueOrDefault(c.ClassId);
            perClass[c.ClassId] = seen + 1;
            if (seen >= topK)
            {
                continue;
            }
            if (!kept.Any(k => k.ClassId == c.ClassId && Iou(k, c) > iou))
            {
                kept.Add(c);
            }
        }
        return kept;
    }

    public static double Iou(FloatDetection a, FloatDetection b) => Iou(a.X1, a.Y1, a.X2, a.Y2, b.X1, b.Y1, b.X2, b.Y2);

    public static double Iou(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2)
    {
        double iw = Math.Min(ax2, bx2) - Math.Max(ax1, bx1), ih = Math.Min(ay2, by2) - Math.Max(ay1, by1);
        double inter = iw > 0 && ih > 0 ? iw * ih : 0;
        double area(double x1, double y1, double x2, double y2) => x2 > x1 && y2 > y1 ? (x2 - x1) * (y2 - y1) : 0;
        double union = area(ax1, ay1, ax2, ay2) + area(bx1, by1, bx2, by2) - inter;
        return union > 0 ? inter / union : 0;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
