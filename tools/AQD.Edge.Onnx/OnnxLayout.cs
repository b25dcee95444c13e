namespace AQD.Edge.Onnx;

/// <summary>
/// Layout conversions between AQD.Edge (NHWC activations, [O][KH][KW][I] weights) and ONNX
/// (NCHW activations, [O][I][KH][KW] weights). Batch 1.
/// </summary>
public static class OnnxLayout
{
    /// <summary>HWC (one NHWC image) to CHW.</summary>
    public static T[] HwcToChw<T>(ReadOnlySpan<T> hwc, int h, int w, int c)
    {
        Check(hwc.Length, h * w * c, "HWC tensor");
        var chw = new T[hwc.Length];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    chw[(ch * h + y) * w + x] = hwc[(y * w + x) * c + ch];
                }
            }
        }
        return chw;
    }

    /// <summary>CHW (one NCHW image) to HWC.</summary>
    public static T[] ChwToHwc<T>(ReadOnlySpan<T> chw, int h, int w, int c)
    {
        Check(chw.Length, h * w * c, "CHW tensor");
        var hwc = new T[chw.Length];
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    hwc[(y * w + x) * c + ch] = chw[(ch * h + y) * w + x];
                }
            }
        }
        return hwc;
    }

    /// <summary>Weights [O][KH][KW][I] (AQD.Edge) to [O][I][KH][KW] (ONNX).</summary>
    public static T[] OhwiToOihw<T>(ReadOnlySpan<T> ohwi, int o, int kh, int kw, int i)
    {
        Check(ohwi.Length, o * kh * kw * i, "OHWI weights");
        var oihw = new T[ohwi.Length];
        for (int oc = 0; oc < o; oc++)
        {
            for (int y = 0; y < kh; y++)
            {
                for (int x = 0; x < kw; x++)
                {
                    for (int ic = 0; ic < i; ic++)
                    {
                        oihw[((oc * i + ic) * kh + y) * kw + x] = ohwi[((oc * kh + y) * kw + x) * i + ic];
                    }
                }
            }
        }
        return oihw;
    }

    private static void Check(int actual, int expected, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{what} has {actual} elements, expected {expected}.");
        }
    }
}
