using System.Collections.Concurrent;

namespace AQD.Edge.DetectionData;

/// <summary>The object glyphs (28x28 grayscale, object bright on black) of one <see cref="DigitSource"/>,
/// with each glyph's tight crop and a split of every class into disjoint train/val/test pools
/// (the j-th glyph of a class goes to train if j % 10 &lt; 8, val if 8, test if 9).</summary>
internal sealed class GlyphPool
{
    public const string DebianFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    private static readonly ConcurrentDictionary<string, Lazy<GlyphPool>> Cache = new();

    public int Rows { get; }
    public int Cols { get; }
    public int ClassCount { get; }
    public byte[] Pixels { get; }      // Count*Rows*Cols
    public byte[] Labels { get; }
    /// <summary>Tight crop of glyph i: x0, y0, x1, y1 (exclusive) of its pixels &gt; 0.</summary>
    public int[] Crops { get; }
    /// <summary>[split][class] = glyph indices.</summary>
    private readonly int[][][] _pools;

    private GlyphPool(int rows, int cols, byte[] pixels, byte[] labels, int classCount, string name)
    {
        Rows = rows; Cols = cols; Pixels = pixels; Labels = labels; ClassCount = classCount;
        int n = labels.Length, area = rows * cols;
        Crops = new int[n * 4];
        var lists = new List<int>[3][];
        for (int s = 0; s < 3; s++) { lists[s] = new List<int>[classCount]; for (int c = 0; c < classCount; c++) lists[s][c] = []; }
        var seen = new int[classCount];
        for (int i = 0; i < n; i++)
        {
            int c = labels[i];
            if (c >= classCount) throw new InvalidDataException($"{name}: label {c} of item {i} is not below {classCount}");
            ReadOnlySpan<byte> g = pixels.AsSpan(i * area, area);
            int x0 = cols, y0 = rows, x1 = 0, y1 = 0;
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++)
                    if (g[y * cols + x] != 0) { x0 = Math.Min(x0, x); x1 = Math.Max(x1, x + 1); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y + 1); }
            Crops[i * 4] = x0; Crops[i * 4 + 1] = y0; Crops[i * 4 + 2] = x1; Crops[i * 4 + 3] = y1;
            int j = seen[c]++;
            if (x1 - x0 < 2 || y1 - y0 < 2) continue; // blank or one-pixel glyph: never used
            lists[j % 10 < 8 ? 0 : j % 10 == 8 ? 1 : 2][c].Add(i);
        }
        _pools = lists.Select(l => l.Select(x => x.ToArray()).ToArray()).ToArray();
        for (int s = 0; s < 3; s++)
            for (int c = 0; c < classCount; c++)
                if (_pools[s][c].Length == 0) throw new InvalidDataException($"{name}: class {c} has no glyph for split {DigitScenes.SplitNames[s]}");
    }

    public ReadOnlySpan<int> Pool(int split, int classId) => _pools[split][classId];

    public int PoolSize(int split) => _pools[split].Sum(p => p.Length);

    public static GlyphPool Get(DigitSceneOptions o)
    {
        string key = o.Source == DigitSource.Mnist ? "mnist" : "fashion:" + (o.FashionMnistDirectory ?? DebianFashionMnistDirectory);
        var lazy = Cache.GetOrAdd(key, _ => new Lazy<GlyphPool>(() => Load(o)));
        try { return lazy.Value; }
        catch { Cache.TryRemove(new KeyValuePair<string, Lazy<GlyphPool>>(key, lazy)); throw; } // retry after the files appear
    }

    private static GlyphPool Load(DigitSceneOptions o)
    {
        if (o.Source == DigitSource.Mnist)
        {
            var asm = typeof(GlyphPool).Assembly;
            using var img = asm.GetManifestResourceStream("mnist/images.idx3.gz")
                ?? throw new InvalidOperationException("AQD.Edge.DetectionData: embedded resource mnist/images.idx3.gz is missing (build problem)");
            using var lab = asm.GetManifestResourceStream("mnist/labels.idx1.gz")
                ?? throw new InvalidOperationException("AQD.Edge.DetectionData: embedded resource mnist/labels.idx1.gz is missing (build problem)");
            var (n, r, c, px) = IdxFile.ReadImages(img, "embedded MNIST images");
            byte[] labels = IdxFile.ReadLabels(lab, "embedded MNIST labels");
            if (labels.Length != n) throw new InvalidDataException($"embedded MNIST: {n} images but {labels.Length} labels");
            return new GlyphPool(r, c, px, labels, 10, "MNIST");
        }
        string dir = o.FashionMnistDirectory ?? DebianFashionMnistDirectory;
        var pixels = new List<byte>(); var labs = new List<byte>(); int rows = 0, cols = 0;
        foreach (string prefix in new[] { "train", "t10k" })
        {
            string imgPath = FindIdx(dir, $"{prefix}-images-idx3-ubyte"), labPath = FindIdx(dir, $"{prefix}-labels-idx1-ubyte");
            using var img = File.OpenRead(imgPath);
            using var lab = File.OpenRead(labPath);
            var (n, r, c, px) = IdxFile.ReadImages(img, imgPath);
            byte[] l = IdxFile.ReadLabels(lab, labPath);
            if (l.Length != n) throw new InvalidDataException($"{imgPath}: {n} images but {labPath} has {l.Length} labels");
            if (rows != 0 && (r != rows || c != cols)) throw new InvalidDataException($"{imgPath}: {r}x{c} images, the other file has {rows}x{cols}");
            rows = r; cols = c; pixels.AddRange(px); labs.AddRange(l);
        }
        return new GlyphPool(rows, cols, pixels.ToArray(), labs.ToArray(), 10, "Fashion-MNIST " + dir);
    }

    private static string FindIdx(string dir, string stem)
    {
        foreach (string name in new[] { stem + ".gz", stem })
        {
            string p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException(
            $"Fashion-MNIST: {stem}.gz not found in {dir}. Install Debian's package dataset-fashion-mnist " +
            $"(apt-get install dataset-fashion-mnist, files in {DebianFashionMnistDirectory}) or set DigitSceneOptions.FashionMnistDirectory.");
    }
}
