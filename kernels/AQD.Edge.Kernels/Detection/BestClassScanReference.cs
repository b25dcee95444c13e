// Best-class scan, scalar reference twin.
// Layout: a score tensor of `rows` rows, row r at element r * rowStride, its classes at
// [r * rowStride + first, + classes); one byte per element, uint8 (signed = false) or int8
// (signed = true, two's complement). A row is a hit when its largest raw value is >= threshold
// (threshold in the element's own domain: 0..256 for uint8, -128..128 for int8; the upper bound
// means "never"). For a hit the best class is the FIRST index of the maximum (numpy argmax).
// Order of hits: ascending row. No accumulator, no rounding: comparisons only.
namespace AQD.Edge.Kernels.Detection;

internal static class BestClassScanReference
{
    public static int Run(ReadOnlySpan<byte> scores, in BestClassScanShape s, Span<ScoreHit> hits)
    {
        int count = 0;
        for (int r = 0; r < s.Rows; r++)
        {
            count = TryRow(scores, s, r, hits, count);
        }
        return count;
    }

    /// <summary>Appends row <paramref name="r"/> to <paramref name="hits"/> if its best raw value reaches the threshold.</summary>
    public static int TryRow(ReadOnlySpan<byte> scores, in BestClassScanShape s, int r, Span<ScoreHit> hits, int count)
    {
        var row = scores.Slice(r * s.RowStride + s.First, s.Classes);
        int best = 0, bestRaw = Raw(row[0], s.Signed);
        for (int k = 1; k < row.Length; k++)
        {
            int v = Raw(row[k], s.Signed);
            if (v > bestRaw)
            {
                bestRaw = v;
                best = k;
            }
        }
        if (bestRaw >= s.Threshold)
        {
            hits[count++] = new ScoreHit(r, best, bestRaw);
        }
        return count;
    }

    public static int Raw(byte b, bool signed) => signed ? (sbyte)b : b;
}
