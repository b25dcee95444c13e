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
        var rng = SceneRandom.ForImage(unchecked((ulong)o.Seed), split, index);
        int n = o.ImageSize;
        var bgr = GC.AllocateUninitializedArray<byte>(n * n * 3); // every byte is written by DrawBackground
        DrawBackground(ref rng, backgrounds, split, n, bgr);
        if (background is not null) bgr.CopyTo(background, 0);

        int want = rng.NextInclusive(o.MinObjects, o.MaxObjects);
        var boxes = new List<GroundTruthBox>(want);
        var placed = new List<(int X0, int Y0, int X1, int Y1)>(want);
        // Objects that do not fit are retried (3 x want tries at the sampled sizes, then smaller ones);
        // below MinObjects the small tries go on (up to 64 more) before giving up with an error.
        int tries = 0, normalTries = want * 3, maxTries = want * 4 + 64;
        while (boxes.Count < want && (tries < want * 4 || boxes.Count < o.MinObjects))
        {
            if (tries++ == maxTries)
                throw new InvalidOperationException($"DigitScenes: could not place {o.MinObjects} objects (MinObjects) in image {index} of split " +
                    $"{DigitScenes.SplitNames[split]}: {o.MinObjectPx}..{o.MaxObjectPx} px in {n}x{n} with MaxOverlapIoU {o.MaxOverlapIoU}; lower MinObjects or the sizes");
            int classId = rng.Next(glyphs.ClassCount);
            ReadOnlySpan<int> pool = glyphs.Pool(split, classId);
            int glyph = pool[rng.Next(pool.Length)];
            float lo = MathF.Log(o.MinObjectPx), hi = MathF.Log(o.MaxObjectPx);
            float side = MathF.Exp(rng.NextFloat(lo, hi));
            if (tries > normalTries) side = o.MinObjectPx + (side - o.MinObjectPx) * 0.25f; // late tries: small
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

        // Separable bilinear: per output column the source byte offset of the left tap and its 8-bit weight
        // (flip folded in); each source row needed is resampled horizontally once (cached pair of rows).
        Span<int> xoff = stackalloc int[n], xw = stackalloc int[n];
        float scale = (float)side / n;
        int last = Math.Max(side - 2, 0);
        for (int x = 0; x < n; x++)
        {
            float f = Math.Clamp((x + 0.5f) * scale - 0.5f, 0f, side - 1);
            int i = Math.Min((int)f, last);
            int w = (int)MathF.Round((f - i) * 256f);
            if (flip) { i = last - i; w = 256 - w; }
            xoff[x] = (sx0 + i) * 3;
            xw[x] = w;
        }
        byte[] src = photo.Bgr;
        int stride = photo.Width * 3;
        Span<int> rowA = stackalloc int[n * 3], rowB = stackalloc int[n * 3];
        int cachedA = -1, cachedB = -1;
        for (int y = 0; y < n; y++)
        {
            float f = Math.Clamp((y + 0.5f) * scale - 0.5f, 0f, side - 1);
            int iy = Math.Min((int)f, last);
            int wy = (int)MathF.Round((f - iy) * 256f);
            if (cachedA != iy)
            {
                if (cachedB == iy) { rowB.CopyTo(rowA); cachedA = iy; }
                else { Horizontal(src.AsSpan((sy0 + iy) * stride, stride), xoff, xw, rowA); cachedA = iy; }
            }
            if (cachedB != iy + 1) { Horizontal(src.AsSpan((sy0 + iy + 1) * stride, stride), xoff, xw, rowB); cachedB = iy + 1; }
            Span<byte> d = dst.AsSpan(y * n * 3, n * 3);
            int wa = 256 - wy;
            for (int i = 0; i < d.Length; i++) d[i] = lut[(rowA[i] * wa + rowB[i] * wy + 32768) >> 16];
        }
    }

    private static void Horizontal(ReadOnlySpan<byte> row, ReadOnlySpan<int> xoff, ReadOnlySpan<int> xw, Span<int> dst)
    {
        for (int x = 0; x < xoff.Length; x++)
        {
            int a = xoff[x], w = xw[x], wa = 256 - w;
            dst[x * 3] = row[a] * wa + row[a + 3] * w;
            dst[x * 3 + 1] = row[a + 1] * wa + row[a + 4] * w;
            dst[x * 3 + 2] = row[a + 2] * wa + row[a + 5] * w;
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
        // Glyph with a 1-pixel zero border: taps at -1 .. cols/rows need no bounds checks.
        int pw = cols + 2;
        Span<float> pad = stackalloc float[(rows + 2) * pw];
        pad.Clear();
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++) pad[(y + 1) * pw + x + 1] = src[y * cols + x];
        int ss = tw < gw || th < gh ? 2 : 1;
        // Sample positions (ss per output pixel): left/top tap (in the padded glyph) and weight.
        int sw = tw * ss, sh = th * ss;
        Span<int> tx = stackalloc int[sw], ty = stackalloc int[sh];
        Span<float> wxs = stackalloc float[sw], wys = stackalloc float[sh];
        float sxStep = (float)gw / sw, syStep = (float)gh / sh;
        for (int i = 0; i < sw; i++) { float f = gx0 + (i + 0.5f) * sxStep - 0.5f; int fi = (int)MathF.Floor(f); tx[i] = fi + 1; wxs[i] = f - fi; }
        for (int i = 0; i < sh; i++) { float f = gy0 + (i + 0.5f) * syStep - 0.5f; int fi = (int)MathF.Floor(f); ty[i] = fi + 1; wys[i] = f - fi; }
        var alpha = new byte[tw * th];
        Span<float> acc = stackalloc float[tw];
        float norm = 1f / (ss * ss);
        int x0 = tw, y0 = th, x1 = 0, y1 = 0;
        for (int y = 0; y < th; y++)
        {
            acc.Clear();
            for (int sy = 0; sy < ss; sy++)
            {
                int j = y * ss + sy;
                float wy = wys[j];
                ReadOnlySpan<float> r0 = pad.Slice(ty[j] * pw, pw), r1 = pad.Slice((ty[j] + 1) * pw, pw);
                for (int i = 0; i < sw; i++)
                {
                    int t = tx[i];
                    float wx = wxs[i];
                    float top = r0[t] + (r0[t + 1] - r0[t]) * wx;
                    float bot = r1[t] + (r1[t + 1] - r1[t]) * wx;
                    acc[i / ss] += top + (bot - top) * wy;
                }
            }
            for (int x = 0; x < tw; x++)
            {
                int v = (int)MathF.Round(acc[x] * norm);
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
