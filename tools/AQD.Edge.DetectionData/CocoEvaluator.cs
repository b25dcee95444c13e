namespace AQD.Edge.DetectionData;

/// <summary>COCO bounding-box evaluation with pycocotools' semantics (COCOeval, iouType "bbox"):
/// per image and class, detections sorted by score (stable) and cut to maxDets 100; at each IoU threshold
/// 0.50:0.05:0.95 each detection is matched greedily to the unmatched ground truth of highest IoU &gt;= t
/// (ground truth outside the area range is "ignored": a detection matched to it, or an unmatched detection
/// outside the range, counts neither as TP nor FP); per class the detections of all images are ranked by
/// score, precision made monotone and read at 101 recall points (0 past the last recall reached).
/// Areas: all, small [0, 32²], medium [32², 96²], large [96², 1e10] (bounds inclusive, as pycocotools).
/// Means are over entries &gt; -1, i.e. over classes that have ground truth in the bucket; -1 if none.
/// Boxes are continuous pixel coordinates; IoU = intersection / union with no +1.</summary>
public static class CocoEvaluator
{
    public static readonly int[] MaxDets = [1, 10, 100];

    private const double NumpySpacing1 = 2.220446049250313e-16; // np.spacing(1), added to the precision denominator

    /// <summary>IoU thresholds as numpy's linspace(.5, .95, 10) computes them.</summary>
    public static readonly double[] IouThresholds = Linspace(0.5, 0.95, 10);

    /// <summary>Recall points as numpy's linspace(0, 1, 101).</summary>
    public static readonly double[] RecallThresholds = Linspace(0.0, 1.0, 101);

    private static readonly (double Lo, double Hi)[] AreaRanges =
        [(0, 1e5 * 1e5), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e5 * 1e5)];

    /// <summary>Evaluates <paramref name="dets"/> against the boxes of <paramref name="gt"/> (pixels are not
    /// read). Every detection's ImageId must be one of the samples'; class ids in [0, numClasses).</summary>
    public static CocoMetrics Evaluate(IReadOnlyList<DetectionSample> gt, IReadOnlyList<ScoredBox> dets, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(gt);
        var truth = new Dictionary<int, IReadOnlyList<GroundTruthBox>>(gt.Count);
        foreach (var s in gt)
            if (!truth.TryAdd(s.ImageId, s.Boxes))
                throw new ArgumentException($"CocoEvaluator: ImageId {s.ImageId} appears twice in the ground truth");
        return Evaluate(truth, dets, numClasses);
    }

    /// <summary>Same, with the ground truth given as ImageId → boxes.</summary>
    public static CocoMetrics Evaluate(IReadOnlyDictionary<int, IReadOnlyList<GroundTruthBox>> truth, IReadOnlyList<ScoredBox> dets, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(dets);
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "CocoEvaluator: numClasses must be >= 1");
        int[] imageIds = truth.Keys.Order().ToArray();
        var imageIndex = new Dictionary<int, int>(imageIds.Length);
        for (int i = 0; i < imageIds.Length; i++) imageIndex[imageIds[i]] = i;

        // Ground truth and detections grouped [class][image].
        var gts = new List<GroundTruthBox>[numClasses, imageIds.Length];
        var dts = new List<ScoredBox>[numClasses, imageIds.Length];
        foreach (var (id, boxes) in truth)
        {
            foreach (var b in boxes)
            {
                if (b.ClassId < 0 || b.ClassId >= numClasses)
                    throw new ArgumentException($"CocoEvaluator: ground truth of image {id} has class {b.ClassId}, not in [0, {numClasses})");
                if (!(float.IsFinite(b.X1) && float.IsFinite(b.Y1) && float.IsFinite(b.X2) && float.IsFinite(b.Y2)) || b.X2 < b.X1 || b.Y2 < b.Y1)
                    throw new ArgumentException($"CocoEvaluator: ground truth box {b} of image {id} is not finite or has x2 < x1 / y2 < y1");
                (gts[b.ClassId, imageIndex[id]] ??= []).Add(b);
            }
        }
        for (int i = 0; i < dets.Count; i++)
        {
            var d = dets[i];
            if (!imageIndex.TryGetValue(d.ImageId, out int ii))
                throw new ArgumentException($"CocoEvaluator: detection {i} refers to image {d.ImageId}, which is not in the ground truth");
            if (d.ClassId < 0 || d.ClassId >= numClasses)
                throw new ArgumentException($"CocoEvaluator: detection {i} has class {d.ClassId}, not in [0, {numClasses})");
            if (!(float.IsFinite(d.Score) && float.IsFinite(d.X1) && float.IsFinite(d.Y1) && float.IsFinite(d.X2) && float.IsFinite(d.Y2)) || d.X2 < d.X1 || d.Y2 < d.Y1)
                throw new ArgumentException($"CocoEvaluator: detection {i} ({d}) is not finite or has x2 < x1 / y2 < y1");
            (dts[d.ClassId, ii] ??= []).Add(d);
        }

        int T = IouThresholds.Length, R = RecallThresholds.Length, A = AreaRanges.Length, M = MaxDets.Length;
        // precision[t, r, k, a, m], recall[t, k, a, m]; -1 = no ground truth.
        var precision = new double[T, R, numClasses, A, M];
        var recall = new double[T, numClasses, A, M];
        Fill(precision, -1); Fill(recall, -1);

        var evals = new ImageEval?[imageIds.Length];
        for (int k = 0; k < numClasses; k++)
        {
            for (int a = 0; a < A; a++)
            {
                bool any = false;
                for (int i = 0; i < imageIds.Length; i++)
                {
                    evals[i] = EvaluateImage(gts[k, i], dts[k, i], AreaRanges[a], MaxDets[^1]);
                    any |= evals[i] is not null;
                }
                if (!any) continue;
                for (int m = 0; m < M; m++)
                    Accumulate(evals, MaxDets[m], precision, recall, k, a, m);
            }
        }

        double P(int? t, int a, int m, int? k = null) => MeanValid(precision, t, a, m, k);
        double Rc(int a, int m) => MeanValidRecall(recall, a, m);
        int m100 = M - 1;
        var perClass = new double[numClasses];
        for (int k = 0; k < numClasses; k++) perClass[k] = P(null, 0, m100, k);
        return new CocoMetrics(P(null, 0, m100), P(0, 0, m100), P(5, 0, m100), P(null, 1, m100), P(null, 2, m100), P(null, 3, m100),
            Rc(0, 0), Rc(0, 1), Rc(0, m100), Rc(1, m100), Rc(2, m100), Rc(3, m100)) { PerClassAP = perClass };
    }

    private sealed class ImageEval(double[] scores, bool[,] matched, bool[,] ignored, int gtNotIgnored)
    {
        public double[] Scores { get; } = scores;       // D (sorted by score, stable, at most maxDet)
        public bool[,] Matched { get; } = matched;      // [T, D]
        public bool[,] Ignored { get; } = ignored;      // [T, D]
        public int GtNotIgnored { get; } = gtNotIgnored;
    }

    /// <summary>pycocotools COCOeval.evaluateImg for one image, one class, one area range.</summary>
    private static ImageEval? EvaluateImage(List<GroundTruthBox>? gtList, List<ScoredBox>? dtList, (double Lo, double Hi) range, int maxDet)
    {
        int gN = gtList?.Count ?? 0, dAll = dtList?.Count ?? 0;
        if (gN == 0 && dAll == 0) return null;
        // Ground truth: not-ignored first (stable), as argsort(kind='mergesort') of the ignore flags.
        var g = new (double X1, double Y1, double X2, double Y2, bool Ignore)[gN];
        int gi = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < gN; j++)
            {
                var b = gtList![j];
                double area = ((double)b.X2 - b.X1) * ((double)b.Y2 - b.Y1);
                bool ignore = area < range.Lo || area > range.Hi;
                if (ignore == (pass == 1)) g[gi++] = (b.X1, b.Y1, b.X2, b.Y2, ignore);
            }
        // Detections: by descending score, stable, cut to maxDet.
        var order = Enumerable.Range(0, dAll).OrderByDescending(j => (double)dtList![j].Score).ToArray(); // OrderBy is stable
        int dN = Math.Min(dAll, maxDet);
        var scores = new double[dN];
        for (int j = 0; j < dN; j++) scores[j] = dtList![order[j]].Score;

        int T = IouThresholds.Length;
        var dtm = new bool[T, dN];
        var dtIg = new bool[T, dN];
        var gtm = new bool[T, gN];
        var iou = new double[dN, gN];
        for (int d = 0; d < dN; d++)
        {
            var b = dtList![order[d]];
            for (int j = 0; j < gN; j++) iou[d, j] = Iou(b.X1, b.Y1, b.X2, b.Y2, g[j].X1, g[j].Y1, g[j].X2, g[j].Y2);
        }
        for (int t = 0; t < T; t++)
        {
            for (int d = 0; d < dN; d++)
            {
                double best = Math.Min(IouThresholds[t], 1 - 1e-10);
                int m = -1;
                for (int j = 0; j < gN; j++)
                {
                    if (gtm[t, j]) continue;                          // already matched (no crowd boxes here)
                    if (m > -1 && !g[m].Ignore && g[j].Ignore) break; // matched a regular gt, only ignored ones left
                    if (iou[d, j] < best) continue;
                    best = iou[d, j];
                    m = j;
                }
                if (m == -1) continue;
                dtIg[t, d] = g[m].Ignore;
                dtm[t, d] = true;
                gtm[t, m] = true;
            }
        }
        // Unmatched detections outside the area range are ignored.
        for (int d = 0; d < dN; d++)
        {
            var b = dtList![order[d]];
            double area = ((double)b.X2 - b.X1) * ((double)b.Y2 - b.Y1);
            if (area < range.Lo || area > range.Hi)
                for (int t = 0; t < T; t++)
                    if (!dtm[t, d]) dtIg[t, d] = true;
        }
        int npig = 0;
        for (int j = 0; j < gN; j++) if (!g[j].Ignore) npig++;
        return new ImageEval(scores, dtm, dtIg, npig);
    }

    /// <summary>IoU of two boxes as pycocotools' bbIou (iscrowd 0), in double.</summary>
    public static double Iou(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2)
    {
        double w = Math.Min(ax2, bx2) - Math.Max(ax1, bx1);
        if (w <= 0) return 0;
        double h = Math.Min(ay2, by2) - Math.Max(ay1, by1);
        if (h <= 0) return 0;
        double inter = w * h;
        double union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        return inter / union;
    }

    /// <summary>pycocotools COCOeval.accumulate for one class, area range and maxDets.</summary>
    private static void Accumulate(ImageEval?[] evals, int maxDet, double[,,,,] precision, double[,,,] recall, int k, int a, int m)
    {
        var scores = new List<double>();
        var src = new List<(ImageEval E, int D)>();
        int npig = 0;
        foreach (var e in evals)
        {
            if (e is null) continue;
            int n = Math.Min(maxDet, e.Scores.Length);
            for (int d = 0; d < n; d++) { scores.Add(e.Scores[d]); src.Add((e, d)); }
            npig += e.GtNotIgnored;
        }
        if (npig == 0) return;
        int nd = scores.Count;
        int[] inds = Enumerable.Range(0, nd).OrderByDescending(i => scores[i]).ToArray(); // stable, as mergesort
        int T = IouThresholds.Length, R = RecallThresholds.Length;
        var rc = new double[nd];
        var pr = new double[nd];
        for (int t = 0; t < T; t++)
        {
            double tp = 0, fp = 0;
            for (int i = 0; i < nd; i++)
            {
                var (e, d) = src[inds[i]];
                bool ig = e.Ignored[t, d], mt = e.Matched[t, d];
                if (mt && !ig) tp++;
                if (!mt && !ig) fp++;
                rc[i] = tp / npig;
                pr[i] = tp / (fp + tp + NumpySpacing1);
            }
            recall[t, k, a, m] = nd > 0 ? rc[nd - 1] : 0;
            for (int i = nd - 1; i > 0; i--)
                if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
            int pi = 0;
            for (int r = 0; r < R; r++)
            {
                // searchsorted(rc, recThr, side='left'): first index with rc >= recThr.
                while (pi < nd && rc[pi] < RecallThresholds[r]) pi++;
                precision[t, r, k, a, m] = pi < nd ? pr[pi] : 0;
            }
        }
    }

    private static double MeanValid(double[,,,,] precision, int? t, int a, int m, int? k)
    {
        double sum = 0; long n = 0;
        for (int ti = 0; ti < precision.GetLength(0); ti++)
        {
            if (t is int tt && ti != tt) continue;
            for (int r = 0; r < precision.GetLength(1); r++)
                for (int ki = 0; ki < precision.GetLength(2); ki++)
                {
                    if (k is int kk && ki != kk) continue;
                    double v = precision[ti, r, ki, a, m];
                    if (v > -1) { sum += v; n++; }
                }
        }
        return n == 0 ? -1 : sum / n;
    }

    private static double MeanValidRecall(double[,,,] recall, int a, int m)
    {
        double sum = 0; long n = 0;
        for (int t = 0; t < recall.GetLength(0); t++)
            for (int k = 0; k < recall.GetLength(1); k++)
            {
                double v = recall[t, k, a, m];
                if (v > -1) { sum += v; n++; }
            }
        return n == 0 ? -1 : sum / n;
    }

    private static double[] Linspace(double start, double stop, int num)
    {
        double step = (stop - start) / (num - 1);
        var y = new double[num];
        for (int i = 0; i < num; i++) y[i] = i * step + start;
        y[^1] = stop;
        return y;
    }

    private static void Fill(Array array, double value)
    {
        switch (array)
        {
            case double[,,,,] p: System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref p[0, 0, 0, 0, 0], p.Length).Fill(value); break;
            case double[,,,] r: System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref r[0, 0, 0, 0], r.Length).Fill(value); break;
            default: throw new ArgumentException("unsupported array");
        }
    }
}
