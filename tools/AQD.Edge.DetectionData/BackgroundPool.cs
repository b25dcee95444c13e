using System.Collections.Concurrent;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.DetectionData;

/// <summary>Background photos, decoded once to BGR. Each photo is cut into disjoint regions per split:
/// train = left 70% of the width; val = right 30%, top half; test = right 30%, bottom half. Background
/// crops are taken inside the split's region only.</summary>
internal sealed class BackgroundPool
{
    internal sealed record Photo(string Name, int Width, int Height, byte[] Bgr);

    private static readonly ConcurrentDictionary<string, Lazy<BackgroundPool>> Cache = new();

    public IReadOnlyList<Photo> Photos { get; }

    private BackgroundPool(List<Photo> photos) => Photos = photos;

    /// <summary>Region (x0, y0, x1, y1) of a photo for a split (0 train, 1 val, 2 test).</summary>
    public static (int X0, int Y0, int X1, int Y1) Region(Photo p, int split)
    {
        int xs = p.Width * 7 / 10, ym = p.Height / 2;
        return split switch
        {
            0 => (0, 0, xs, p.Height),
            1 => (xs, 0, p.Width, ym),
            _ => (xs, ym, p.Width, p.Height),
        };
    }

    public static BackgroundPool Get(string? extraDirectory)
    {
        string key = extraDirectory ?? "";
        var lazy = Cache.GetOrAdd(key, _ => new Lazy<BackgroundPool>(() => Load(extraDirectory)));
        try { return lazy.Value; }
        catch { Cache.TryRemove(new KeyValuePair<string, Lazy<BackgroundPool>>(key, lazy)); throw; }
    }

    private static BackgroundPool Load(string? extraDirectory)
    {
        var photos = new List<Photo>();
        var asm = typeof(BackgroundPool).Assembly;
        foreach (string res in asm.GetManifestResourceNames().Where(r => r.StartsWith("backgrounds/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var s = asm.GetManifestResourceStream(res)!;
            photos.Add(Decode(s, "embedded " + res));
        }
        if (photos.Count == 0) throw new InvalidOperationException("AQD.Edge.DetectionData: no embedded background photos (build problem)");
        if (extraDirectory is not null)
        {
            var files = Directory.EnumerateFiles(extraDirectory)
                .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new ArgumentException($"DigitSceneOptions.ExtraBackgroundDirectory: no .jpg/.jpeg/.png file in {extraDirectory}");
            foreach (string f in files) { using var s = File.OpenRead(f); photos.Add(Decode(s, f)); }
        }
        return new BackgroundPool(photos);
    }

    private static Photo Decode(Stream s, string name)
    {
        Image<Rgb24> image;
        try { image = Image.Load<Rgb24>(s); }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException)
        { throw new InvalidDataException($"{name}: cannot decode the image ({e.Message})", e); }
        using (image)
        {
            if (image.Width < 64 || image.Height < 64) throw new InvalidDataException($"{name}: {image.Width}x{image.Height} is too small for a background (64x64 at least)");
            var rgb = new Rgb24[image.Width * image.Height];
            image.CopyPixelDataTo(rgb);
            var bgr = new byte[rgb.Length * 3];
            for (int i = 0; i < rgb.Length; i++) { bgr[i * 3] = rgb[i].B; bgr[i * 3 + 1] = rgb[i].G; bgr[i * 3 + 2] = rgb[i].R; }
            return new Photo(name, image.Width, image.Height, bgr);
        }
    }
}
