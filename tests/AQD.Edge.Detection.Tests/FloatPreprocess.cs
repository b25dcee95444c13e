namespace AQD.Edge.Detection.Tests;

/// <summary>The README's float preprocessing: bilinear resize with half-pixel centres (clamped), in double.</summary>
internal static class FloatPreprocess
{
    /// <summary>HWC resize of interleaved <paramref name="channels"/>-channel pixels to ow x oh.</summary>
    public static double[] Resize(byte[] pixels, int w, int h, int channels, int ow, int oh)
    {
        var o = new double[ow * oh * channels];
        for (int y = 0; y < oh; y++)
        {
            double syf = Math.Max(0, (y + 0.5) * h / oh - 0.5);
            int y0 = Math.Min((int)syf, h - 1), y1 = Math.Min(y0 + 1, h - 1);
            double fy = syf - y0;
            for (int x = 0; x < ow; x++)
            {
                double sxf = Math.Max(0, (x + 0.5) * w / ow - 0.5);
                int x0 = Math.Min((int)sxf, w - 1), x1 = Math.Min(x0 + 1, w - 1);
                double fx = sxf - x0;
                for (int c = 0; c < channels; c++)
                {
                    double P(int yy, int xx) => pixels[(yy * w + xx) * channels + c];
                    o[(y * ow + x) * channels + c] = (P(y0, x0) * (1 - fx) + P(y0, x1) * fx) * (1 - fy) + (P(y1, x0) * (1 - fx) + P(y1, x1) * fx) * fy;
                }
            }
        }
        return o;
    }
}
