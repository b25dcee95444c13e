using System.Buffers.Binary;
using System.IO.Compression;
using AQD.Edge.DetectionData;

namespace AQD.Edge.DetectionData.Tests;

/// <summary>The IDX reader and the Fashion-MNIST loader (Debian's dataset-fashion-mnist layout), on small
/// IDX files written here.</summary>
public sealed class GlyphSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aqd-detdata-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] ImageIdx(int n, int rows, int cols, Func<int, int, int, byte> pixel)
    {
        var data = new byte[16 + n * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(data, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), n);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(12), cols);
        for (int i = 0; i < n; i++)
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++)
                    data[16 + (i * rows + y) * cols + x] = pixel(i, y, x);
        return data;
    }

    private static byte[] LabelIdx(byte[] labels)
    {
        var data = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(data, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), labels.Length);
        labels.CopyTo(data, 8);
        return data;
    }

    private void WriteGz(string name, byte[] data)
    {
        using var f = File.Create(Path.Combine(_dir, name));
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        gz.Write(data);
    }

    [Fact]
    public void ReadsPlainAndGzipIdxAndRejectsBadHeaders()
    {
        var img = ImageIdx(3, 4, 5, (i, y, x) => (byte)(i * 20 + y * 5 + x));
        var (n, r, c, px) = IdxFile.ReadImages(new MemoryStream(img), "plain");
        Assert.Equal((3, 4, 5), (n, r, c));
        Assert.Equal(img.AsSpan(16).ToArray(), px);
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) z.Write(img);
        gz.Position = 0;
        Assert.Equal(px, IdxFile.ReadImages(gz, "gz").Pixels);

        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(new MemoryStream(LabelIdx([1, 2])), "x")).Message);
        Assert.Contains("header says 3 images", Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(new MemoryStream(img[..^1]), "x")).Message);
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(new MemoryStream(), "x")).Message);
        Assert.Equal(new byte[] { 7, 8 }, IdxFile.ReadLabels(new MemoryStream(LabelIdx([7, 8])), "l"));
    }

    [Fact]
    public void FashionMnistLoadsFromItsFolderAndNamesThePackageWhenAbsent()
    {
        var missing = new DigitSceneOptions { Source = DigitSource.FashionMnist, FashionMnistDirectory = _dir };
        var e = Assert.Throws<FileNotFoundException>(() => DigitScenes.Generate(missing, "train", 0));
        Assert.Contains("dataset-fashion-mnist", e.Message);

        // Same folder once the files are there (a failed load is not cached). 100 train + 20 t10k items: a filled rectangle whose size depends on the class.
        byte Pixel(int i, int y, int x) { int c = i % 10, h = 8 + c; return (byte)(y >= 4 && y < 4 + h && x >= 6 && x < 22 ? 200 : 0); }
        WriteGz("train-images-idx3-ubyte.gz", ImageIdx(100, 28, 28, Pixel));
        WriteGz("train-labels-idx1-ubyte.gz", LabelIdx(Enumerable.Range(0, 100).Select(i => (byte)(i % 10)).ToArray()));
        WriteGz("t10k-images-idx3-ubyte.gz", ImageIdx(20, 28, 28, Pixel));
        WriteGz("t10k-labels-idx1-ubyte.gz", LabelIdx(Enumerable.Range(0, 20).Select(i => (byte)(i % 10)).ToArray()));
        var o = new DigitSceneOptions { Source = DigitSource.FashionMnist, FashionMnistDirectory = _dir, Seed = 3 };
        var s = DigitScenes.Split(o, "test", 10);
        Assert.All(s.SelectMany(x => x.Boxes), b => Assert.InRange(b.ClassId, 0, 9));
        Assert.True(s.Sum(x => x.Boxes.Count) >= 10);
    }
}
