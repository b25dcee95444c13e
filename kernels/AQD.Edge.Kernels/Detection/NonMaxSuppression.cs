// Sort + per-class top-k + class-aware greedy NMS, in place on a candidate array.
// 1. sort by CandidateOrder through one int64 key per candidate,
//    key = (65536 - score) << 27 | level << 24 | row (score 0..65536, level < 8, row < 2^24: the
//    key order is CandidateOrder, and keys are unique, so the result does not depend on the sort
//    algorithm; sorting primitive keys with their items allocates nothing);
// 2. walk in that order; a candidate is dropped when its class already had topK candidates (top-k
//    per class before NMS, counting dropped and suppressed ones), or when BoxIou.Above(kept box of
//    the same class, it, iouPermille);
// 3. stop after maxDetections kept. Kept candidates are compacted to the front, in order.
// Cost: O(n log n + n * kept). classCounts (one int per class) is caller scratch, zeroed on return.
namespace AQD.Edge.Kernels.Detection;

/// <summary>Class-aware greedy NMS with exact integer IoU.</summary>
public static class NonMaxSuppression
{
    /// <summary>The candidate's position in CandidateOrder as one int64 (see the file header).</summary>
    public static long SortKey(in DetectionCandidate c)
    {
        if ((uint)c.Score > DetectionFixedPoint.ScoreOne || (uint)c.Level >= DetectionParams.MaxLevels || (uint)c.Row >= 1u << 24)
        {
            throw new ArgumentException($"NMS: candidate {c} is outside score 0..65536, level 0..7, row 0..2^24 - 1.");
        }
        return (long)(DetectionFixedPoint.ScoreOne - c.Score) << 27 | (long)c.Level << 24 | (long)c.Row;
    }

    /// <summary>Returns how many candidates were kept (now at the front of <paramref name="candidates"/>).</summary>
    public static int Run(Span<DetectionCandidate> candidates, int iouPermille, int topKPerClass, int maxDetections, Span<int> classCounts, Span<long> keys)
    {
        if (keys.Length < candidates.Length)
        {
            throw new ArgumentException($"NMS: {keys.Length} sort keys for {candidates.Length} candidates.");
        }
        keys = keys[..candidates.Length];
        for (int i = 0; i < candidates.Length; i++)
        {
            keys[i] = SortKey(candidates[i]);
        }
        keys.Sort(candidates);
        int kept = 0;
        for (int i = 0; i < candidates.Length && kept < maxDetections; i++)
        {
            var c = candidates[i];
            if ((uint)c.ClassId >= (uint)classCounts.Length)
            {
                throw new ArgumentException($"NMS: class {c.ClassId} outside the {classCounts.Length} class counters.");
            }
            if (classCounts[c.ClassId]++ >= topKPerClass)
            {
                continue;
            }
            bool suppressed = false;
            for (int j = 0; j < kept; j++)
            {
                if (candidates[j].ClassId == c.ClassId && BoxIou.Above(candidates[j], c, iouPermille))
                {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed)
            {
                candidates[kept++] = c;
            }
        }
        foreach (var c in candidates)
        {
            if ((uint)c.ClassId < (uint)classCounts.Length)
            {
                classCounts[c.ClassId] = 0;
            }
        }
        return kept;
    }
}
