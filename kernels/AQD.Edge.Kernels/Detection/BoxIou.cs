// Exact integer IoU test. Boxes are Q8 coordinates in [0, 2^22] (x1 <= x2 not required: an empty
// extent counts as 0). inter and each area are < 2^45, union < 2^46; the test
// inter * 1000 > thresholdPermille * union uses 64-bit products (< 2^56): no division, no rounding.
// Continuous coordinates, no "+1" (as NanoDet / torchvision).
namespace AQD.Edge.Kernels.Detection;

/// <summary>Intersection-over-union comparisons on Q8 boxes.</summary>
public static class BoxIou
{
    /// <summary>Area of the overlap (0 when disjoint).</summary>
    public static long Intersection(in DetectionCandidate a, in DetectionCandidate b)
    {
        long w = (long)Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        long h = (long)Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        return w > 0 && h > 0 ? w * h : 0;
    }

    /// <summary>Area of a box (0 for an empty extent).</summary>
    public static long Area(in DetectionCandidate a)
        => a.X2 > a.X1 && a.Y2 > a.Y1 ? (long)(a.X2 - a.X1) * (a.Y2 - a.Y1) : 0;

    /// <summary>IoU(a, b) &gt; thresholdPermille / 1000, exactly. Two empty boxes have IoU 0.</summary>
    public static bool Above(in DetectionCandidate a, in DetectionCandidate b, int thresholdPermille)
    {
        long inter = Intersection(a, b);
        long union = Area(a) + Area(b) - inter;
        return inter * 1000 > thresholdPermille * union;
    }
}
