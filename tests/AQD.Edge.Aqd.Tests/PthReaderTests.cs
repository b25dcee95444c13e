using System.IO.Compression;
using System.Text.Json;
using AQD.Edge.Aqd.Checkpoints;

namespace AQD.Edge.Aqd.Tests;

/// <summary>
/// The .pth reader against files written by PyTorch 1.13 (tests/data/aqd/reader_*.pth, sums and
/// shapes recorded by the script in reader_fixture.json), and malformed files: always a
/// <see cref="PthFormatException"/> naming the file and what is wrong, never another exception.
/// </summary>
public sealed class PthReaderTests
{
    private static string Data(string file) => Path.Combine(CheckpointImportTests.DataDir, file);

    [Fact]
    public void ReadsEveryTensorAsPyTorchWroteIt()
    {
        var tensors = PthReader.Read(Data("reader_fixture.pth"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Data("reader_fixture.json")));
        var expected = doc.RootElement.EnumerateObject().ToList();
        Assert.Equal(expected.Select(e => e.Name), tensors.Keys.Order(StringComparer.Ordinal).Intersect(expected.Select(e => e.Name)).OrderBy(k => expected.FindIndex(e => e.Name == k)));
        Assert.Equal(expected.Count, tensors.Count);
        foreach (var e in expected)
        {
            var t = tensors[e.Name];
            string dtype = e.Value.GetProperty("dtype").GetString()!;
            Assert.Equal(dtype switch { "float32" => PthDType.Float32, "float16" => PthDType.Float16, "float64" => PthDType.Float64, "int64" => PthDType.Int64, _ => throw new InvalidDataException(dtype) }, t.DType);
            Assert.Equal(e.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()), t.Shape);
            double sum = e.Value.GetProperty("sum").GetDouble();
            Assert.True(Math.Abs(t.Values.Sum() - sum) <= 1e-9 * Math.Max(1, Math.Abs(sum)), $"{e.Name}: sum {t.Values.Sum()} vs PyTorch {sum}");
            Assert.Equal(e.Value.GetProperty("first").GetDouble(), t.Values[0]);
        }
        // 'view' is base[3:7]: same storage at offset 3
        Assert.Equal(tensors["base"].Values.Skip(3).Take(4), tensors["view"].Values);
        Assert.Empty(tensors["scalar"].Shape);
        Assert.Equal(1L << 40, (long)tensors["i64"].Values[3]);
    }

    [Fact]
    public void NonContiguousTensorIsAnError()
    {
        var e = Assert.Throws<PthFormatException>(() => PthReader.Read(Data("reader_noncontiguous.pth")));
        Assert.Contains("reader_noncontiguous.pth", e.Message);
        Assert.Contains("'t'", e.Message);
        Assert.Contains("not contiguous", e.Message);
    }

    [Fact]
    public void UnsupportedDtypeIsAnError()
    {
        var e = Assert.Throws<PthFormatException>(() => PthReader.Read(Data("reader_int32.pth")));
        Assert.Contains("reader_int32.pth", e.Message);
        Assert.Contains("IntStorage", e.Message);
    }

    [Fact]
    public void TruncatedZipIsAnError()
    {
        var bytes = File.ReadAllBytes(Data("reader_fixture.pth"));
        foreach (int length in new[] { 0, 10, bytes.Length / 2, bytes.Length - 30 })
        {
            var e = Assert.Throws<PthFormatException>(() => PthReader.Read(new MemoryStream(bytes[..length]), "cut.pth"));
            Assert.Contains("cut.pth", e.Message);
        }
    }

    [Fact]
    public void MissingOrTruncatedStorageIsAnError()
    {
        var missing = Rewrite(Data("reader_fixture.pth"), (name, data) => name.EndsWith("/data/0", StringComparison.Ordinal) ? null : data);
        var e = Assert.Throws<PthFormatException>(() => PthReader.Read(new MemoryStream(missing), "m.pth"));
        Assert.Contains("m.pth", e.Message);
        Assert.Contains("missing", e.Message);
        var truncated = Rewrite(Data("reader_fixture.pth"), (name, data) => name.EndsWith("/data/0", StringComparison.Ordinal) ? data[..2] : data);
        e = Assert.Throws<PthFormatException>(() => PthReader.Read(new MemoryStream(truncated), "t.pth"));
        Assert.Contains("truncated storage", e.Message);
    }

    /// <summary>Seeded mutations of data.pkl (byte flips and truncations): parsed, or a PthFormatException; never anything else.</summary>
    [Fact]
    public void CorruptedPickleNeverCrashes()
    {
        var rng = new Random(11);
        int errors = 0;
        for (int i = 0; i < 150; i++)
        {
            var mutated = Rewrite(Data("reader_fixture.pth"), (name, data) =>
            {
                if (!name.EndsWith("/data.pkl", StringComparison.Ordinal))
                {
                    return data;
                }
                if (i % 3 == 0)
                {
                    return data[..rng.Next(data.Length)];
                }
                var d = (byte[])data.Clone();
                for (int k = 0; k < 1 + (i % 4); k++)
                {
                    d[rng.Next(d.Length)] = (byte)rng.Next(256);
                }
                return d;
            });
            try
            {
                PthReader.Read(new MemoryStream(mutated), "mutated.pth");
            }
            catch (PthFormatException e)
            {
                Assert.Contains("mutated.pth", e.Message);
                errors++;
            }
        }
        Assert.True(errors > 50, $"only {errors} of 150 mutations were detected");
    }

    [Fact]
    public void NotAZipIsAnError()
    {
        var e = Assert.Throws<PthFormatException>(() => PthReader.Read(new MemoryStream("\u0080\u0002}q\u0000."u8.ToArray()), "legacy.pth"));
        Assert.Contains("not a zip", e.Message);
    }

    /// <summary>Copies a zip, passing each entry through <paramref name="edit"/> (null drops it).</summary>
    private static byte[] Rewrite(string path, Func<string, byte[], byte[]?> edit)
    {
        using var src = ZipFile.OpenRead(path);
        using var ms = new MemoryStream();
        using (var dst = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in src.Entries)
            {
                using var s = entry.Open();
                using var buf = new MemoryStream();
                s.CopyTo(buf);
                var data = edit(entry.FullName, buf.ToArray());
                if (data is not null)
                {
                    using var o = dst.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                    o.Write(data);
                }
            }
        }
        return ms.ToArray();
    }
}
