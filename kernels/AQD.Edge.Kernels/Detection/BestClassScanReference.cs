// Best-class scan, scalar reference twin.
// Layout: a score tensor of `rows` rows, row r at element r * rowStride, its classes at elements
// [r * rowStride + first, + classes); elements are uint8, int8 (two's complement bytes) or int16
// (little-endian, 2 bytes). A row is a hit when its largest raw value is >= threshold (threshold
// in the element's own range, up to max + 1, which means "never"). For a hit the best class is the
// FIRST index of the maximum (numpy argmax). Order of hits: ascending row. Comparisons only: no
// accumulator, no rounding.
using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Tensors;

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
        int at = r * s.RowStride + s.First;
        int best = 0, bestRaw = Raw(scores, s.Storage, at);
        for (int k = 1; k < s.Classes; k++)
        {
            int v = Raw(scores, s.Storage, at + k);
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

    /// <summary>Raw value of element <paramref name="index"/>.</summary>
    public static int Raw(ReadOnlySpan<byte> scores, ActivationStorage storage, int index) => storage switch
    {
        ActivationStorage.Int8 => (sbyte)scores[index],
        ActivationStorage.Int16 => MemoryMarshal.Cast<byte, short>(scores)[index],
        _ => scores[index],
    };
}
