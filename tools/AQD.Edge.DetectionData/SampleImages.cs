using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.DetectionData;

/// <summary>Saving samples as image files, and drawing boxes for a quick look.</summary>
public static class SampleImages
{
    public static void SavePng(DetectionSample s, string path) => Save(s.Bgr, s.Width, s.Height, path, jpeg: false);

    public static void SaveJpeg(DetectionSample s, string path, int quality = 90) => Save(s.Bgr, s.Width, s.Height, path, jpeg: true, quality);

    /// <summary>A copy of the sample's pixels with each box outlined (1 px, a colour per class) — for looking at data.</summary>
    public static byte[] WithBoxes(DetectionSample s, IEnumerable<(int ClassId, float X1, float Y1, float X2, float Y2)>? boxes = null)
    {
        var bgr = (byte[])s.Bgr.Clone();
        foreach (var (c, fx1, fy1, fx2, fy2) in boxes ?? s.Boxes.Select(b => (b.ClassId, b.X1, b.Y1, b.X2, b.Y2)))
        {
            int x1 = Math.Clamp((int)MathF.Floor(fx1) - 1, 0, s.Width - 1), y1 = Math.Clamp((int)MathF.Floor(fy1) - 1, 0, s.Height - 1);
            int x2 = Math.Clamp((int)MathF.Ceiling(fx2), 0, s.Width - 1), y2 = Math.Clamp((int)MathF.Ceiling(fy2), 0, s.Height - 1);
            (byte b, byte g, byte r) = Palette[((c % Palette.Length) + Palette.Length) % Palette.Length];
            for (int x = x1; x <= x2; x++) { Put(bgr, s.Width, x, y1, b, g, r); Put(bgr, s.Width, x, y2, b, g, r); }
            for (int y = y1; y <= y2; y++) { Put(bgr, s.Width, x1, y, b, g, r); Put(bgr, s.Width, x2, y, b, g, r); }
        }
        return bgr;
    }

    public static void Save(byte[] bgr, int width, int height, string path, bool jpeg, int quality = 90)
    {
        if (bgr.Length != width * height * 3) throw new ArgumentException($"SampleImages.Save: {bgr.Length} bytes is not {width}x{height}x3");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var image = Image.LoadPixelData<Bgr24>(bgr, width, height);
        if (jpeg) image.SaveAsJpeg(path, new JpegEncoder { Quality = quality });
        else image.SaveAsPng(path);
    }

    private static readonly (byte, byte, byte)[] Palette =
        [(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255), (255, 0, 255), (255, 255, 0), (0, 128, 255), (255, 128, 0), (128, 0, 255), (255, 255, 255)];

    private static void Put(byte[] bgr, int w, int x, int y, byte b, byte g, byte r)
    {
        int o = (y * w + x) * 3;
        bgr[o] = b; bgr[o + 1] = g; bgr[o + 2] = r;
    }
}
