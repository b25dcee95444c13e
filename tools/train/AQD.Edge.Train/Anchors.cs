namespace AQD.Edge.Train;

/// <summary>
/// Locations and anchors of the pyramid, in the order the flattened head outputs use (level, row,
/// column, then anchor), as the blob's DETC decode reads them (docs/aqd-models.md): FCOS points at
/// ((x + 0.5) s, (y + 0.5) s) (AdelaiDet); RetinaNet (detectron2) 9 anchors per location centred at
/// (x s, y s) (offset 0), index a = 3 sizeIndex + ratioIndex (sizes 32 2^l x {1, 2^(1/3), 2^(2/3)} outer,
/// ratios h/w {0.5, 1, 2} inner), output channel a C + c (cls) and 4 a + k (deltas, weights 1).
/// </summary>
public static class Anchors
{
    public static readonly double[] Scales = [1.0, Math.Pow(2, 1.0 / 3), Math.Pow(2, 2.0 / 3)];
    public static readonly double[] Ratios = [0.5, 1.0, 2.0];

    /// <summary>Box-coding weights of the RetinaNet deltas (detectron2's RetinaNet: 1, 1, 1, 1).</summary>
    public static readonly double[] DeltaWeights = [1, 1, 1, 1];

    /// <summary>Points: (cx, cy, stride, level) per location, level-major.</summary>
    public static (float Cx, float Cy, int Stride, int Level)[] Points(ModelConfig c)
    {
        var list = new List<(float, float, int, int)>();
        for (int l = 0; l < 5; l++)
        {
            int n = c.LevelSize(l), s = ModelConfig.Strides[l];
            for (int y = 0; y < n; y++)
            {
                for (int x = 0; x < n; x++)
                {
                    list.Add(((x + 0.5f) * s, (y + 0.5f) * s, s, l));
                }
            }
        }
        return [.. list];
    }

    /// <summary>RetinaNet anchors (x1, y1, x2, y2), per location then anchor.</summary>
    public static float[][] RetinaAnchors(ModelConfig c)
    {
        var list = new List<float[]>();
        foreach (var (px, py, stride, level) in Points(c))
        {
            double cx = px - stride / 2.0, cy = py - stride / 2.0;   // offset 0
            double size = 32 << level;
            foreach (double sc in Scales)
            {
                foreach (double r in Ratios)
                {
                    double w = size * sc / Math.Sqrt(r), h = size * sc * Math.Sqrt(r);
                    list.Add([(float)(cx - w / 2), (float)(cy - h / 2), (float)(cx + w / 2), (float)(cy + h / 2)]);
                }
            }
        }
        return [.. list];
    }

    public static double IoU(ReadOnlySpan<float> a, float x1, float y1, float x2, float y2)
    {
        double iw = Math.Min(a[2], x2) - Math.Max(a[0], x1), ih = Math.Min(a[3], y2) - Math.Max(a[1], y1);
        if (iw <= 0 || ih <= 0)
        {
            return 0;
        }
        double inter = iw * ih;
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (x2 - x1) * (y2 - y1) - inter);
    }
}
