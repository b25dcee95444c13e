// Whole integer decode of a detector's head outputs: per level, the best-class scan (threshold on
// raw class values), the score table (FCOS: times centerness, (s * c + 2^15) >> 16), the family's
// box decoder (BoxDecode) for each hit, then sort / per-class top-k / class-aware NMS / max
// detections (NonMaxSuppression). Results are Q16 scores and Q8 model-input boxes; map them with
// ImagePlacement. Scratch (hits, candidates, sort keys, class counters) is sized at construction
// from the levels' cells and the scan variant is selected there, so Decode allocates nothing.
namespace AQD.Edge.Kernels.Detection;

/// <summary>Gives the decoder the graph outputs by index (implemented by a struct over the engine).</summary>
public interface IDetectionOutputs
{
    ReadOnlySpan<byte> Output(int index);
}

/// <summary>Prepared decoder of one detector.</summary>
public sealed class DetectionDecoder
{
    private readonly DetectionParams p;
    private readonly ScoreHit[] hits;
    private readonly DetectionCandidate[] candidates;
    private readonly int[] classCounts;
    private readonly int[] thresholds;
    private readonly long[] keys;
    private readonly BestClassScanVariant scan = BestClassScanKernels.Selected;
    private int kept;

    /// <exception cref="ArgumentException">The parameters break a rule (ParamName = field path).</exception>
    public DetectionDecoder(DetectionParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        p = parameters;
        int rows = p.Levels.Max(l => l.GridWidth * l.GridHeight * p.AnchorsPerCell);
        int total = p.Levels.Sum(l => l.GridWidth * l.GridHeight * p.AnchorsPerCell);
        hits = new ScoreHit[rows];
        candidates = new DetectionCandidate[total];
        keys = new long[total];
        classCounts = new int[p.NumClasses];
        thresholds = [.. p.Levels.Select(l => l.ClassThreshold)];
        ScoreThresholdPermille = p.ScoreThresholdPermille;
        IouThresholdPermille = p.IouThresholdPermille;
        MaxDetections = p.MaxDetections;
    }

    public DetectionParams Parameters => p;

    public int ScoreThresholdPermille { get; private set; }
    public int IouThresholdPermille { get; private set; }
    public int MaxDetections { get; private set; }

    /// <summary>Bytes graph output of level <paramref name="level"/>'s class / box / centerness tensor must hold.</summary>
    public (int Class, int Box, int Centerness) RequiredBytes(int level)
    {
        var l = p.Levels[level];
        int cells = l.GridWidth * l.GridHeight;
        int box = p.Family switch
        {
            DetectionFamily.Gfl => cells * 4 * (p.RegMax + 1),
            DetectionFamily.Fcos => cells * 4,
            _ => cells * p.AnchorsPerCell * 4,
        };
        return (cells * p.AnchorsPerCell * p.NumClasses, box, p.Family == DetectionFamily.Fcos ? cells : 0);
    }

    /// <summary>
    /// Replaces the thresholds (null keeps the current one). A new score threshold becomes per-level raw
    /// thresholds through the score tables: the smallest raw value whose score is strictly above it
    /// (score * 1000 &gt; permille * 65536).
    /// </summary>
    public void SetThresholds(int? scorePermille, int? iouPermille, int? maxDetections)
    {
        if (scorePermille is { } s)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(s, 0, "ScoreThresholdPermille");
            ArgumentOutOfRangeException.ThrowIfGreaterThan(s, 1000, "ScoreThresholdPermille");
            for (int i = 0; i < p.Levels.Count; i++)
            {
                thresholds[i] = RawThreshold(p.Levels[i], s);
            }
            ScoreThresholdPermille = s;
        }
        if (iouPermille is { } iou)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(iou, 1, "IouThresholdPermille");
            ArgumentOutOfRangeException.ThrowIfGreaterThan(iou, 1000, "IouThresholdPermille");
            IouThresholdPermille = iou;
        }
        if (maxDetections is { } m)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(m, 1, "MaxDetections");
            ArgumentOutOfRangeException.ThrowIfGreaterThan(m, DetectionParams.MaxDetectionsLimit, "MaxDetections");
            MaxDetections = m;
        }
    }

    /// <summary>Smallest raw class value (in the element's order) whose table score is strictly above the threshold; the top value if none.</summary>
    public static int RawThreshold(DetectionLevel level, int scorePermille)
    {
        for (int v = 0; v < DetectionParams.TableSize; v++)
        {
            int raw = DetectionParams.Index(v, level.ClassSigned);
            if (DetectionFixedPoint.ScoreAbove(level.ScoreTable[(byte)raw], scorePermille))
            {
                return raw;
            }
        }
        return DetectionParams.Index(DetectionParams.TableSize, level.ClassSigned);
    }

    /// <summary>The detections of the last Decode, best first (Q16 scores, Q8 model-input boxes).</summary>
    public ReadOnlySpan<DetectionCandidate> Results => candidates.AsSpan(0, kept);

    /// <summary>Decodes the head outputs; returns the number of detections (see <see cref="Results"/>).</summary>
    public int Decode<TOutputs>(TOutputs outputs) where TOutputs : IDetectionOutputs, allows ref struct
    {
        int n = 0;
        for (int li = 0; li < p.Levels.Count; li++)
        {
            var l = p.Levels[li];
            var (clsBytes, boxBytes, ctrBytes) = RequiredBytes(li);
            var cls = outputs.Output(l.ClassOutput);
            var box = outputs.Output(l.BoxOutput);
            var ctr = l.CenternessOutput >= 0 ? outputs.Output(l.CenternessOutput) : default;
            if (cls.Length < clsBytes || box.Length < boxBytes || ctr.Length < ctrBytes)
            {
                throw new ArgumentException($"DetectionDecoder: level {li}: outputs of {cls.Length}/{box.Length}/{ctr.Length} bytes, need {clsBytes}/{boxBytes}/{ctrBytes}.");
            }
            int rows = l.GridWidth * l.GridHeight * p.AnchorsPerCell;
            var shape = new BestClassScanShape(rows, p.NumClasses, p.NumClasses, 0, l.ClassSigned, thresholds[li]);
            int count = scan.Run(cls, shape, hits);
            for (int h = 0; h < count; h++)
            {
                var hit = hits[h];
                int cell = hit.Row / p.AnchorsPerCell;
                int cx = (cell % l.GridWidth) * l.Stride * DetectionFixedPoint.OnePixel + l.CenterOffsetQ8;
                int cy = (cell / l.GridWidth) * l.Stride * DetectionFixedPoint.OnePixel + l.CenterOffsetQ8;
                ref var c = ref candidates[n++];
                c.Score = l.ScoreTable[(byte)hit.Raw];
                c.ClassId = hit.ClassId;
                c.Level = li;
                c.Row = hit.Row;
                switch (p.Family)
                {
                    case DetectionFamily.Gfl:
                        int bins = 4 * (p.RegMax + 1);
                        BoxDecode.Gfl(box.Slice(cell * bins, bins), l.BoxSigned, p.RegMax, l.BoxTable, l.Stride, cx, cy, p.InputWidth, p.InputHeight, ref c);
                        break;
                    case DetectionFamily.Fcos:
                        c.Score = (int)(((long)c.Score * l.CenternessTable![ctr[cell]] + (1 << 15)) >> 16);
                        BoxDecode.Fcos(box.Slice(cell * 4, 4), l.BoxTable, cx, cy, p.InputWidth, p.InputHeight, ref c);
                        break;
                    default:
                        int a = hit.Row % p.AnchorsPerCell;
                        BoxDecode.Retina(box.Slice(hit.Row * 4, 4), l.BoxTable, l.BoxExpTable!, l.Anchors![2 * a], l.Anchors[2 * a + 1],
                            cx, cy, p.InputWidth, p.InputHeight, ref c);
                        break;
                }
            }
        }
        kept = NonMaxSuppression.Run(candidates.AsSpan(0, n), IouThresholdPermille, p.TopKPerClass, MaxDetections, classCounts, keys);
        return kept;
    }
}
