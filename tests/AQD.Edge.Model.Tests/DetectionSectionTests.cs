using System.Buffers.Binary;
using AQD.Edge.Kernels.Detection;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Detection;

namespace AQD.Edge.Model.Tests;

public class DetectionSectionTests
{
    // layout of BlobSamples.DetectionTables(): 3 input channels, 2 levels
    private const int InputTablesAt = 80, LevelsAt = 80 + 3 * 1024, TablesAt = LevelsAt + 2 * 64;

    private static BlobReader Open(byte[] section, string name = "t.aqd")
    {
        var w = new BlobWriter();
        w.AddMetadata(BlobSamples.DetectorMetadata());
        w.AddSection(SectionKind.Detection, section);
        return BlobReader.Open(w.ToArray(), name);
    }

    private static BlobFormatException Refused(Action<byte[]> edit)
    {
        var bytes = DetectionSection.Write(BlobSamples.DetectionTables());
        edit(bytes);
        return Assert.Throws<BlobFormatException>(() => Open(bytes));
    }

    private static void Put(byte[] b, int at, int value) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), value);

    [Theory]
    [InlineData(DetectionFamily.Gfl)]
    [InlineData(DetectionFamily.Fcos)]
    [InlineData(DetectionFamily.RetinaNet)]
    public void RoundTripsEveryFamily(DetectionFamily family)
    {
        var p = BlobSamples.DetectionTables(family);
        var bytes = DetectionSection.Write(p);
        var r = Open(bytes).Detection!;
        Assert.Equal(bytes, DetectionSection.Write(r));
        Assert.Equal(family, r.Family);
        Assert.Equal(p.Levels.Select(l => (l.Stride, l.GridWidth, l.ClassOutput, l.BoxOutput, l.CenternessOutput, l.BoxSigned)),
            r.Levels.Select(l => (l.Stride, l.GridWidth, l.ClassOutput, l.BoxOutput, l.CenternessOutput, l.BoxSigned)));
        Assert.Equal(p.InputTables[2], r.InputTables[2]);
        Assert.Equal(p.InputSource, r.InputSource);
    }

    [Fact]
    public void BlobsWithoutDetcHaveNoTables()
    {
        Assert.Null(BlobReader.Open(BlobSamples.Minimal(), "m").Detection);
        Assert.NotNull(BlobReader.Open(BlobSamples.DetectionBlob(), "d").Detection);
    }

    [Fact]
    public void ErrorsNameTheFieldAndItsAbsoluteOffset()
    {
        var plain = BlobReader.Open(BlobSamples.DetectionBlob(), "d");
        long sectionAt = plain.Find(SectionKind.Detection)!.Offset;
        void Case(Action<byte[]> edit, string field, int relative, string text)
        {
            var e = Refused(edit);
            Assert.Equal(field, e.Field);
            Assert.StartsWith("section[1] DETC", e.Section);
            Assert.Equal(sectionAt + relative, e.ByteOffset);
            Assert.Contains(text, e.Message);
        }
        Case(b => Put(b, 0, 2), "version", 0, "version 2");
        Case(b => Put(b, 4, 9), "family", 4, "family 9");
        Case(b => Put(b, 12, 9), "levelCount", 12, "9 levels");
        Case(b => Put(b, 56, 1), "reserved[1]", 56, "reserved");
        Case(b => Put(b, 8, 0), "numClasses", 8, "numClasses = 0");
        Case(b => Put(b, 28, 0), "regMax", 28, "regMax");
        Case(b => Put(b, 40, 0), "iouThresholdPermille", 40, "1..1000");
        Case(b => Put(b, 64 + 12, 5), "inputSource[3]", 76, "past the 3 input channels");
        Case(b => Put(b, 64, 7), "inputSource[0]", 64, "0..2");
        Case(b => Put(b, InputTablesAt + 1024 + 4 * 17, 256), "inputTables[1][17]", InputTablesAt + 1024 + 68, "0..255");
        Case(b => Put(b, LevelsAt + 64, 12), "levels[1].stride", LevelsAt + 64, "power of two");
        Case(b => Put(b, LevelsAt + 64, 8), "levels[1].stride", LevelsAt + 64, "increase");
        Case(b => Put(b, LevelsAt + 4 * 4, 0), "levels[0].boxOutput", LevelsAt + 16, "other than the class output");
        Case(b => Put(b, LevelsAt + 4 * 5, 3), "levels[0].centernessOutput", LevelsAt + 20, "-1 unless fcos");
        Case(b => Put(b, LevelsAt + 4 * 6, 8), "levels[0].flags", LevelsAt + 24, "bits 0..2");
        Case(b => Put(b, LevelsAt + 4 * 7, 300), "levels[0].classThreshold", LevelsAt + 28, "0..256");
        Case(b => Put(b, LevelsAt + 4 * 12, 1), "levels[0].reserved[3]", LevelsAt + 48, "reserved");
        Case(b => Put(b, TablesAt + 4 * 200, 70000), "levels[0].scoreTable[200]", TablesAt + 800, "0..65536");
        Case(b => Put(b, TablesAt + 1024 + 4 * 3, 65536), "levels[0].boxTable", TablesAt + 1024, "non-increasing");
        Case(b => Put(b, TablesAt + 2048 + 4 * 100, 0), "levels[1].scoreTable", TablesAt + 2048, "non-decreasing");
    }

    [Fact]
    public void LengthMustMatchTheCounts()
    {
        var bytes = DetectionSection.Write(BlobSamples.DetectionTables());
        var e = Assert.Throws<BlobFormatException>(() => Open([.. bytes, 0, 0, 0, 0]));
        Assert.Equal("length", e.Field);
        e = Assert.Throws<BlobFormatException>(() => Open(bytes[..^4]));
        Assert.Equal("levels[1].boxTable", e.Field);
        e = Assert.Throws<BlobFormatException>(() => Open(bytes[..30]));
        Assert.Equal("regMax", e.Field);   // the first field the bytes do not hold
    }

    [Fact]
    public void WriterRefusesInvalidParameters()
    {
        var p = BlobSamples.DetectionTables();
        var bad = new DetectionParams
        {
            Family = p.Family, NumClasses = p.NumClasses, InputWidth = p.InputWidth, InputHeight = p.InputHeight, RegMax = p.RegMax,
            ScoreThresholdPermille = p.ScoreThresholdPermille, IouThresholdPermille = p.IouThresholdPermille, MaxDetections = 0,
            TopKPerClass = p.TopKPerClass, Levels = p.Levels, InputSource = p.InputSource, InputTables = p.InputTables,
        };
        Assert.Equal("maxDetections", Assert.Throws<ArgumentException>(() => DetectionSection.Write(bad)).ParamName);
    }
}
