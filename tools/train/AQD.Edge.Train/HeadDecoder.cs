using AQD.Edge.DetectionData;

namespace AQD.Edge.Train;

/// <summary>
/// Head outputs of one image (real values, NHWC per graph output: FCOS cls logits, box ltrb in strides,
/// centerness logits per level; RetinaNet cls logits, deltas per level) to detections, the same code for
/// the float, fake-quant, folded and integer-engine outputs: FCOS score sigmoid(cls) sigmoid(ctr) for
/// sigmoid(cls) &gt; 0.05, box = point -/+ distance x stride; RetinaNet sigmoid(cls) &gt; 0.05, anchors
/// centred at (x s, y s), deltas with weights 1; top 1000 per level, class-wise NMS (IoU 0.6 FCOS, 0.5
/// RetinaNet), at most 100 detections, boxes clipped to the image.
/// </summary>
public static class HeadDecoder
{
    public const double ScoreThreshold = 0.05;
    public const int TopPerLevel = 1000, MaxDetections = 100;
    private static readonly double MaxDeltaLog = Math.Log(1000.0 / 16);

    public static List<ScoredBox> Decode(ModelConfig c, int imageId, IReadOnlyList<float[]> outputs)
    {
        int nc = c.NumClasses, size = c.ImageSize;
        var all = new List<ScoredBox>();
        for (int l = 0; l < 5; l++)
        {
            int n = c.LevelSize(l), s = ModelConfig.Strides[l];
            var cand = new List<ScoredBox>();
            if (c.Fcos)
            {
                float[] cls = outputs[3 * l], box = outputs[3 * l + 1], ctr = outputs[3 * l + 2];
                for (int p = 0; p < n * n; p++)
                {
                    double cx = (p % n + 0.5) * s, cy = (p / n + 0.5) * s;
                    double sc = Sigmoid(ctr[p]);
                    for (int k = 0; k < nc; k++)
                    {
                        double prob = Sigmoid(cls[p * nc + k]);
                        if (prob <= ScoreThreshold)
                        {
                            continue;
                        }
                        cand.Add(Box(imageId, k, prob * sc, cx - box[4 * p] * s, cy - box[4 * p + 1] * s, cx + box[4 * p + 2] * s, cy + box[4 * p + 3] * s, size));
                    }
                }
            }
            else
            {
                float[] cls = outputs[2 * l], del = outputs[2 * l + 1];
                const int a9 = Aqd.AqdModelOptions.AnchorsPerLocation;
                for (int p = 0; p < n * n; p++)
                {
                    double cx = p % n * s, cy = p / n * s;   // detectron2 anchors: offset 0
                    for (int a = 0; a < a9; a++)
                    {
                        double size0 = (32 << l) * Anchors.Scales[a / 3], r = Anchors.Ratios[a % 3];
                        double aw = size0 / Math.Sqrt(r), ah = size0 * Math.Sqrt(r);
                        int d = (p * a9 + a) * 4;
                        double px = cx + del[d] / Anchors.DeltaWeights[0] * aw, py = cy + del[d + 1] / Anchors.DeltaWeights[1] * ah;
                        double pw = aw * Math.Exp(Math.Min(del[d + 2] / Anchors.DeltaWeights[2], MaxDeltaLog));
                        double ph = ah * Math.Exp(Math.Min(del[d + 3] / Anchors.DeltaWeights[3], MaxDeltaLog));
                        for (int k = 0; k < nc; k++)
                        {
                            double prob = Sigmoid(cls[(p * a9 + a) * nc + k]);
                            if (prob > ScoreThreshold)
                            {
                                cand.Add(Box(imageId, k, prob, px - pw / 2, py - ph / 2, px + pw / 2, py + ph / 2, size));
                            }
                        }
                    }
                }
            }
            all.AddRange(cand.OrderByDescending(b => b.Score).Take(TopPerLevel));
        }
        double iouThr = c.Fcos ? 0.6 : 0.5;
        var kept = new List<ScoredBox>();
        foreach (var group in all.GroupBy(b => b.ClassId))
        {
            var sorted = group.OrderByDescending(b => b.Score).ToList();
            var keep = new List<ScoredBox>();
            foreach (var b in sorted)
            {
                if (keep.All(k => CocoEvaluator.Iou(k.X1, k.Y1, k.X2, k.Y2, b.X1, b.Y1, b.X2, b.Y2) <= iouThr))
                {
                    keep.Add(b);
                }
            }
            kept.AddRange(keep);
        }
        return [.. kept.OrderByDescending(b => b.Score).Take(MaxDetections)];
    }

    private static ScoredBox Box(int id, int cls, double score, double x1, double y1, double x2, double y2, int size)
        => new(id, cls, (float)score, (float)Math.Clamp(x1, 0, size), (float)Math.Clamp(y1, 0, size), (float)Math.Clamp(x2, 0, size), (float)Math.Clamp(y2, 0, size));

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
