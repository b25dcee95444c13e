// Fixed-point box decoders of one cell, per family. Inputs are raw head bytes (uint8, or int8 read
// as two's complement) and the level's tables (DetectionLevel); outputs are Q8 model-input pixels.
//
// GFL / NanoDet (distribution integral), per side k with bins b[0..R] (R = regMax):
//   m = max b; e_n = expTable[m - b_n] (Q16, e = 65536 at the max); S = sum e_n <= 65 * 2^16 < 2^23;
//   W = sum n * e_n <= 64 * S < 2^29; d = floor((W * stride * 256 + S / 2) / S) (64-bit, rounded
//   half up) = stride * sum n p_n in Q8, p = softmax(b * scale).
// FCOS: d_k = boxTable[(byte)b_k] (the table holds the distance x stride in Q8, e.g. relu(x) * s).
// RetinaNet, anchor (aw, ah) in Q8 at the cell centre (acx, acy):
//   dx, dy = boxTable[...] (Q16), ew, eh = boxExpTable[...] (Q16 exp(dw), exp(dh));
//   cx = acx + ((dx * aw + 2^15) >> 16), w = (ew * aw + 2^15) >> 16 (arithmetic shifts: floor, so
//   ties round up); x1 = cx - (w >> 1), x2 = x1 + w; the same for y. All products are 64-bit.
// Every coordinate is finally clipped to [0, input size * 256].
using System.Runtime.CompilerServices;

namespace AQD.Edge.Kernels.Detection;

/// <summary>Per-cell fixed-point box decoders.</summary>
public static class BoxDecode
{
    /// <summary>GFL distance (Q8 pixels) of one side's regMax + 1 bins.</summary>
    public static int GflDistance(ReadOnlySpan<byte> bins, bool signed, ReadOnlySpan<int> expTable, int stride)
    {
        int m = int.MinValue;
        foreach (byte b in bins)
        {
            m = Math.Max(m, Raw(b, signed));
        }
        long s = 0, w = 0;
        for (int n = 0; n < bins.Length; n++)
        {
            int e = expTable[m - Raw(bins[n], signed)];
            s += e;
            w += (long)n * e;
        }
        return (int)((w * stride * DetectionFixedPoint.OnePixel + (s >> 1)) / s);
    }

    /// <summary>GFL box of a cell: four sides of regMax + 1 bins each, centre (cx, cy) in Q8.</summary>
    public static void Gfl(ReadOnlySpan<byte> cellBins, bool signed, int regMax, ReadOnlySpan<int> expTable, int stride,
        int cx, int cy, int width, int height, ref DetectionCandidate box)
    {
        int n = regMax + 1;
        int l = GflDistance(cellBins[..n], signed, expTable, stride);
        int t = GflDistance(cellBins.Slice(n, n), signed, expTable, stride);
        int r = GflDistance(cellBins.Slice(2 * n, n), signed, expTable, stride);
        int b = GflDistance(cellBins.Slice(3 * n, n), signed, expTable, stride);
        Clip(cx - (long)l, cy - (long)t, cx + (long)r, cy + (long)b, width, height, ref box);
    }

    /// <summary>FCOS box of a cell: four raw distances (left, top, right, bottom) through the distance table.</summary>
    public static void Fcos(ReadOnlySpan<byte> cellBox, ReadOnlySpan<int> distanceTable, int cx, int cy, int width, int height, ref DetectionCandidate box)
        => Clip(cx - (long)distanceTable[cellBox[0]], cy - (long)distanceTable[cellBox[1]],
            cx + (long)distanceTable[cellBox[2]], cy + (long)distanceTable[cellBox[3]], width, height, ref box);

    /// <summary>RetinaNet box of one anchor: raw (dx, dy, dw, dh), anchor size (aw, ah) in Q8, centre (cx, cy) in Q8.</summary>
    public static void Retina(ReadOnlySpan<byte> anchorBox, ReadOnlySpan<int> deltaTable, ReadOnlySpan<int> expTable, int aw, int ah,
        int cx, int cy, int width, int height, ref DetectionCandidate box)
    {
        const int half = 1 << (DetectionFixedPoint.ScoreBits - 1);
        long pcx = cx + (((long)deltaTable[anchorBox[0]] * aw + half) >> DetectionFixedPoint.ScoreBits);
        long pcy = cy + (((long)deltaTable[anchorBox[1]] * ah + half) >> DetectionFixedPoint.ScoreBits);
        long w = ((long)expTable[anchorBox[2]] * aw + half) >> DetectionFixedPoint.ScoreBits;
        long h = ((long)expTable[anchorBox[3]] * ah + half) >> DetectionFixedPoint.ScoreBits;
        long x1 = pcx - (w >> 1), y1 = pcy - (h >> 1);
        Clip(x1, y1, x1 + w, y1 + h, width, height, ref box);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Raw(byte b, bool signed) => signed ? (sbyte)b : b;

    private static void Clip(long x1, long y1, long x2, long y2, int width, int height, ref DetectionCandidate box)
    {
        long w = (long)width << DetectionFixedPoint.CoordinateBits, h = (long)height << DetectionFixedPoint.CoordinateBits;
        box.X1 = (int)Math.Clamp(x1, 0, w);
        box.Y1 = (int)Math.Clamp(y1, 0, h);
        box.X2 = (int)Math.Clamp(x2, 0, w);
        box.Y2 = (int)Math.Clamp(y2, 0, h);
    }
}
