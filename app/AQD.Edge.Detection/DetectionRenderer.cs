using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Detection;

/// <summary>
/// Annotated snapshots: box outlines in a colour per class and a filled label tag ("dog 42%") drawn
/// with <see cref="TinyFont"/> (ImageSharp.Drawing is not available, so drawing is done on pixels).
/// The output format follows the file extension (.jpg, .png, ...).
/// </summary>
public static class DetectionRenderer
{
    private static readonly Rgb24[] Palette =
    [
        new(230, 25, 75), new(60, 180, 75), new(255, 225, 25), new(0, 130, 200), new(245, 130, 48), new(145, 30, 180),
        new(70, 240, 240), new(240, 50, 230), new(210, 245, 60), new(250, 190, 212), new(0, 128, 128), new(170, 110, 40),
    ];

    /// <summary>Colour of a class's boxes.</summary>
    public static Rgb24 ColorOf(int classId) => Palette[(int)((uint)classId % Palette.Length)];

    /// <summary>Loads <paramref name="imagePath"/>, draws the detections and saves to <paramref name="outputPath"/>.</summary>
    public static void Render(string imagePath, IEnumerable<ObjectDetection> detections, string outputPath, int lineWidth = 2, int textScale = 2)
    {
        using var image = Image.Load<Rgb24>(imagePath);
        Draw(image, detections, lineWidth, textScale);
        image.Save(outputPath);
    }

    /// <summary>Draws box outlines and labels into <paramref name="image"/>.</summary>
    public static void Draw(Image<Rgb24> image, IEnumerable<ObjectDetection> detections, int lineWidth = 2, int textScale = 2)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentOutOfRangeException.ThrowIfLessThan(lineWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(textScale, 1);
        foreach (var d in detections)
        {
            var color = ColorOf(d.ClassId);
            for (int t = 0; t < lineWidth; t++)
            {
                HorizontalLine(image, d.X1, d.X2 - 1, d.Y1 + t, color);
                HorizontalLine(image, d.X1, d.X2 - 1, d.Y2 - 1 - t, color);
                VerticalLine(image, d.X1 + t, d.Y1, d.Y2 - 1, color);
                VerticalLine(image, d.X2 - 1 - t, d.Y1, d.Y2 - 1, color);
            }
            string text = $"{d.Label} {d.ScorePermille / 10}%";
            int tagHeight = (TinyFont.GlyphHeight + 2) * textScale;
            int tagY = d.Y1 - tagHeight >= 0 ? d.Y1 - tagHeight : d.Y1;
            DrawLabel(image, text, d.X1, tagY, color, textScale);
        }
    }

    /// <summary>Text on a filled tag at (x, y): the tag in <paramref name="background"/>, glyphs in black or white for contrast.</summary>
    public static void DrawLabel(Image<Rgb24> image, string text, int x, int y, Rgb24 background, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(text);
        int w = (text.Length * (TinyFont.GlyphWidth + 1) + 1) * scale, h = (TinyFont.GlyphHeight + 2) * scale;
        for (int yy = 0; yy < h; yy++)
        {
            HorizontalLine(image, x, x + w - 1, y + yy, background);
        }
        var ink = background.R * 299 + background.G * 587 + background.B * 114 > 128000 ? new Rgb24(0, 0, 0) : new Rgb24(255, 255, 255);
        for (int i = 0; i < text.Length; i++)
        {
            int gx = x + (1 + i * (TinyFont.GlyphWidth + 1)) * scale;
            for (int cx = 0; cx < TinyFont.GlyphWidth; cx++)
            {
                for (int cy = 0; cy < TinyFont.GlyphHeight; cy++)
                {
                    if (TinyFont.IsSet(text[i], cx, cy))
                    {
                        FillRect(image, gx + cx * scale, y + (1 + cy) * scale, scale, ink);
                    }
                }
            }
        }
    }

    private static void FillRect(Image<Rgb24> image, int x, int y, int size, Rgb24 color)
    {
        for (int yy = 0; yy < size; yy++)
        {
            HorizontalLine(image, x, x + size - 1, y + yy, color);
        }
    }

    private static void HorizontalLine(Image<Rgb24> image, int x1, int x2, int y, Rgb24 color)
    {
        if ((uint)y >= (uint)image.Height)
        {
            return;
        }
        for (int x = Math.Max(0, x1); x <= Math.Min(image.Width - 1, x2); x++)
        {
            image[x, y] = color;
        }
    }

    private static void VerticalLine(Image<Rgb24> image, int x, int y1, int y2, Rgb24 color)
    {
        if ((uint)x >= (uint)image.Width)
        {
            return;
        }
        for (int y = Math.Max(0, y1); y <= Math.Min(image.Height - 1, y2); y++)
        {
            image[x, y] = color;
        }
    }
}
