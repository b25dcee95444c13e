namespace AQD.Edge.DetectionData;

/// <summary>Renders one scene: background crop (bilinear, fixed-point), then each object: glyph resampled
/// to its size (bilinear, 2x2 supersampled when shrinking), alpha = glyph intensity (values below
/// <see cref="AlphaCut"/> dropped so that the box is exactly the visible extent), blended in a colour
/// chosen to stand out from the background under it (most of the time). Plain loops over spans.</summary>
internal static class SceneComposer
{
    /// <summary>Resampled alpha below this (of 255) is set to 0; the box is the extent of the rest.</summary>
    public const int AlphaCut = 48;

    private const int PlacementTries = 24;

    /// <param name="background">Tests: receives a copy of the image before any object is drawn.</param>
    public static DetectionSample Compose(DigitSceneOptions o, GlyphPool glyphs, BackgroundPool backgrounds, int split, int index, byte[]? background = null)
    {
        var rng = SceneRandom.ForImage(o.Seed, split, index);
        int n = o.ImageSize;
        var bgr = new byte[n * n * 3];
        DrawBackground(ref rng, backgrounds, split, n, bgr);
        if (background is not null) bgr.CopyTo(background, 0);

        int want = rng.NextInclusive(o.MinObjects, o.MaxObjects);
        var boxes = new List<GroundTruthBox>(want);
        var placed = new List<(int X0, int Y0, int X1, int Y1)>(want);
        int budget = want * 4; // objects that do not fit are retried smaller, then given up
        while (boxes.Count < want && budget-- > 0)
        {
            int classId = rng.Next(glyphs.ClassCount);
            ReadOnlySpan<int> pool = glyphs.Pool(split, classId);
            int glyph = pool[rng.Next(pool.Length)];
            float lo = MathF.Log(o.MinObjectPx), hi = MathF.Log(o.MaxObjectPx);
            float side = MathF.Exp(rng.NextFloat(lo, hi));
            if (budget < want) side = o.MinObjectPx + (side - o.MinObjectPx) * 0.25f; // late retries: small
            float aspect = MathF.Exp(rng.NextFloat(-MathF.Log(o.AspectJitter), MathF.Log(o.AspectJitter)));
            byte[] alpha = Rasterize(glyphs, glyph, side, aspect, out int tw, out int th, out var tight);
            if (tight.X1 <= tight.X0) continue;

            for (int t = 0; t < PlacementTries; t++)
            {
                int px = rng.Next(n - tw + 1), py = rng.Next(n - th + 1);
                var box = (px + tight.X0, py + tight.Y0, px + tight.X1, py + tight.Y1);
                if (!Fits(box, placed, o)) continue;
                Blend(ref rng, o.Source, alpha, tw, th, px, py, box, n, bgr);
                placed.Add(box);
                boxes.Add(new GroundTruthBox(classId, box.Item1, box.Item2, box.Item3, box.Item4));
                break;
            }
        }
        return new DetectionSample(index, n, n, bgr, boxes);
    }

    private static bool Fits((int X0, int Y0, int X1, int Y1) b, List<(int X0, int Y0, int X1, int Y1)> placed, DigitSceneOptions o)
    {
        long areaB = (long)(b.X1 - b.X0) * (b.Y1 - b.Y0);
        foreach (var p in placed)
        {
            int iw = Math.Min(b.X1, p.X1) - Math.Max(b.X0, p.X0), ih = Math.Min(b.Y1, p.Y1) - Math.Max(b.Y0, p.Y0);
            if (iw <= 0 || ih <= 0) continue;
            long inter = (long)iw * ih, areaP = (long)(p.X1 - p.X0) * (p.Y1 - p.Y0);
            if (inter > o.MaxOverlapIoU * (areaB + areaP - inter)) return false;
            if (inter > o.MaxCoveredFraction * areaB || inter > o.MaxCoveredFraction * areaP) return false;
        }
        return true;
    }

    /// <summary>Crop of a random photo inside the split's region, resized to n x n (bilinear, 8-bit weights),
    /// random horizontal flip, brightness/contrast jitter.</summary>
    private static void DrawBackground(ref SceneRandom rng, BackgroundPool pool, int split, int n, byte[] dst)
    {
        var photo = pool.Photos[rng.Next(pool.Photos.Count)];
        var (rx0, ry0, rx1, ry1) = BackgroundPool.Region(photo, split);
        int maxSide = Math.Min(rx1 - rx0, ry1 - ry0);
        int side = (int)(Math.Min(photo.Width, photo.Height) * rng.NextFloat(0.25f, 0.6f));
        side = Math.Clamp(side, Math.Min(32, maxSide), maxSide);
        int sx0 = rx0 + rng.Next(rx1 - rx0 - side + 1), sy0 = ry0 + rng.Next(ry1 - ry0 - side + 1);
        bool flip = rng.Next(2) == 1;
        float contrast = rng.NextFloat(0.7f, 1.2f), brightness = rng.NextFloat(-30f, 30f);
        Span<byte> lut = stackalloc byte[256];
        for (int v = 0; v < 256; v++) lut[v] = (byte)Math.Clamp((int)MathF.Round((v - 128) * contrast + 128 + brightness), 0, 255);

        Span<int> xi = stackalloc int[n], xw = stackalloc int[n];
        float scale = (float)side / n;
        for (int x = 0; x < n; x++)
        {
            float f = Math.Clamp((x + 0.5f) * scale - 0.5f, 0f, side - 1);
            int i = Math.Min((int)f, side - 2 < 0 ? 0 : side - 2);
            xw[x] = (int)MathF.Round((f - i) * 256f);
            xi[x] = i;
        }
        byte[] src = photo.Bgr;
        int stride = photo.Width * 3;
        for (int y = 0; y < n; y++)
        {
            float f = Math.Clamp((y + 0.5f) * scale - 0.5f, 0f, side - 1);
            int iy = Math.Min((int)f, side - 2);
            int wy = (int)MathF.Round((f - iy) * 256f);
            ReadOnlySpan<byte> r0 = src.AsSpan((sy0 + iy) * stride, stride), r1 = src.AsSpan((sy0 + iy + 1) * stride, stride);
            Span<byte> d = dst.AsSpan(y * n * 3, n * 3);
            for (int x = 0; x < n; x++)
            {
                int sx = flip ? side - 2 - xi[x] : xi[x];
                int wx = flip ? 256 - xw[x] : xw[x];
                int a = (sx0 + sx) * 3, b = a + 3;
                for (int c = 0; c < 3; c++)
                {
                    int top = r0[a + c] * (256 - wx) + r0[b + c] * wx;
                    int bot = r1[a + c] * (256 - wx) + r1[b + c] * wx;
                    d[x * 3 + c] = lut[(top * (256 - wy) + bot * wy + 32768) >> 16];
                }
            }
        }
    }

    /// <summary>Resamples glyph <paramref name="g"/>'s tight crop so that its longer side is about
    /// <paramref name="side"/> px (width times <paramref name="aspect"/>). Returns the alpha plane (tw x th)
    /// and the extent of its non-zero pixels.</summary>
    private static byte[] Rasterize(GlyphPool glyphs, int g, float side, float aspect, out int tw, out int th, out (int X0, int Y0, int X1, int Y1) tight)
    {
        int gx0 = glyphs.Crops[g * 4], gy0 = glyphs.Crops[g * 4 + 1], gx1 = glyphs.Crops[g * 4 + 2], gy1 = glyphs.Crops[g * 4 + 3];
        int gw = gx1 - gx0, gh = gy1 - gy0, rows = glyphs.Rows, cols = glyphs.Cols;
        float w = gw * aspect, h = gh, k = side / MathF.Max(w, h);
        tw = Math.Max(2, (int)MathF.Round(w * k));
        th = Math.Max(2, (int)MathF.Round(h * k));
        ReadOnlySpan<byte> src = glyphs.Pixels.AsSpan(g * rows * cols, rows * cols);
        var alpha = new byte[tw * th];
        int ss = tw < gw || th < gh ? 2 : 1;
        float sxStep = (float)gw / (tw * ss), syStep = (float)gh / (th * ss);
        int x0 = tw, y0 = th, x1 = 0, y1 = 0;
        for (int y = 0; y < th; y++)
        {
            for (int x = 0; x < tw; x++)
            {
                float acc = 0;
                for (int sy = 0; sy < ss; sy++)
                {
                    float fy = gy0 + (y * ss + sy + 0.5f) * syStep - 0.5f;
                    for (int sx = 0; sx < ss; sx++)
                    {
                        float fx = gx0 + (x * ss + sx + 0.5f) * sxStep - 0.5f;
                        acc += Sample(src, rows, cols, fx, fy);
                    }
                }
                int v = (int)MathF.Round(acc / (ss * ss));
                if (v < AlphaCut) continue;
                alpha[y * tw + x] = (byte)Math.Min(v, 255);
                if (x < x0) x0 = x;
                if (x >= x1) x1 = x + 1;
                if (y < y0) y0 = y;
                if (y >= y1) y1 = y + 1;
            }
        }
        tight = (x0, y0, x1, y1);
        return alpha;
    }

    private static float Sample(ReadOnlySpan<byte> src, int rows, int cols, float fx, float fy)
    {
        int ix = (int)MathF.Floor(fx), iy = (int)MathF.Floor(fy);
        float wx = fx - ix, wy = fy - iy;
        float p00 = Px(src, rows, cols, ix, iy), p10 = Px(src, rows, cols, ix + 1, iy);
        float p01 = Px(src, rows, cols, ix, iy + 1), p11 = Px(src, rows, cols, ix + 1, iy + 1);
        return (p00 * (1 - wx) + p10 * wx) * (1 - wy) + (p01 * (1 - wx) + p11 * wx) * wy;
    }

    private static float Px(ReadOnlySpan<byte> src, int rows, int cols, int x, int y) =>
        (uint)x < (uint)cols && (uint)y < (uint)rows ? src[y * cols + x] : 0f;

    /// <summary>Blends the alpha plane at (px, py) in a random colour. MNIST: flat colour, alpha = intensity.
    /// Fashion-MNIST: colour shaded by intensity, alpha = 3 x intensity (items are not see-through).</summary>
    private static void Blend(ref SceneRandom rng, DigitSource source, byte[] alpha, int tw, int th, int px, int py,
        (int X0, int Y0, int X1, int Y1) box, int n, byte[] bgr)
    {
        // Mean luminance of the background under the box.
        long sum = 0;
        for (int y = box.Y0; y < box.Y1; y++)
            for (int x = box.X0; x < box.X1; x++)
            {
                int o = (y * n + x) * 3;
                sum += bgr[o] * 29 + bgr[o + 1] * 150 + bgr[o + 2] * 77;
            }
        int bgY = (int)(sum / ((long)(box.X1 - box.X0) * (box.Y1 - box.Y0) * 256));
        int cb = rng.Next(256), cg = rng.Next(256), cr = rng.Next(256);
        int y0 = (cb * 29 + cg * 150 + cr * 77) >> 8;
        if (rng.Next(10) < 8 && Math.Abs(y0 - bgY) < 100)
        {
            // Push the colour away from the background: darker on bright backgrounds, lighter on dark ones.
            if (bgY >= 128) { cb = cb * 3 / 10; cg = cg * 3 / 10; cr = cr * 3 / 10; }
            else { cb = 255 - (255 - cb) * 3 / 10; cg = 255 - (255 - cg) * 3 / 10; cr = 255 - (255 - cr) * 3 / 10; }
        }
        int opacity = 256 - rng.Next(64); // 0.75..1.0
        bool shade = source == DigitSource.FashionMnist;
        for (int y = 0; y < th; y++)
        {
            int dy = py + y;
            for (int x = 0; x < tw; x++)
            {
                int a = alpha[y * tw + x];
                if (a == 0) continue;
                int o = (dy * n + px + x) * 3;
                int b = cb, g = cg, r = cr;
                if (shade)
                {
                    int s = 96 + a * 160 / 255; // 96..256 of 256
                    b = b * s >> 8; g = g * s >> 8; r = r * s >> 8;
                    a = Math.Min(255, a * 3);
                }
                int w = (a + (a >> 7)) * opacity >> 8; // 0..256
                bgr[o] = (byte)((bgr[o] * (256 - w) + b * w + 128) >> 8);
                bgr[o + 1] = (byte)((bgr[o + 1] * (256 - w) + g * w + 128) >> 8);
                bgr[o + 2] = (byte)((bgr[o + 2] * (256 - w) + r * w + 128) >> 8);
            }
        }
    }
}
