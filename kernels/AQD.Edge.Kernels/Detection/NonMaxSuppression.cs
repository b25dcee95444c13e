// Sort + per-class top-k + class-aware greedy NMS, in place on a candidate array.
// 1. sort by CandidateOrder (introsort on a struct comparer: no allocation; the order is total, so
//    the result does not depend on the algorithm);
// 2. walk in that order; a candidate is dropped when its class already had topK candidates (top-k
//    per class before NMS, counting dropped and suppressed ones), or when BoxIou.Above(kept box of
//    the same class, it, iouPermille);
// 3. stop after maxDetections kept. Kept candidates are compacted to the front, in order.
// Cost: O(n log n + n * kept). classCounts (one int per class) is caller scratch, zeroed on return.
namespace AQD.Edge.Kernels.Detection;

/// <summary>Class-aware greedy NMS with exact integer IoU.</summary>
public static class NonMaxSuppression
{
    /// <summary>Returns how many candidates were kept (now at the front of <paramref name="candidates"/>).</summary>
    public static int Run(Span<DetectionCandidate> candidates, int iouPermille, int topKPerClass, int maxDetections, Span<int> classCounts)
    {
        candidates.Sort(new CandidateOrder());
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
