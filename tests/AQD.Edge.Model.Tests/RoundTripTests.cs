using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.Model.Tests;

public class RoundTripTests
{
    [Fact]
    public void Crc32CMatchesTheCastagnoliCheckValue()
        => Assert.Equal(0xE3069283u, BlobFormat.Crc32C("123456789"u8));

    [Fact]
    public void SectionsComeBackWithKindNameFlagsAndBytes()
    {
        var payloads = new List<(SectionKind Kind, string? Name, byte[] Bytes, int Alignment, SectionFlags Flags)>
        {
            (SectionKind.Graph, null, BlobSamples.RandomBytes(10, 77), 64, SectionFlags.Critical),
            (SectionKind.Weights, "conv1", BlobSamples.DepthwisePacked(11, 32, 3).Packed, 64, SectionFlags.Critical),
            (SectionKind.Weights, "conv2", BlobSamples.RandomBytes(12, 1), 256, SectionFlags.Critical),
            (SectionKind.Parameters, "conv1", BlobSamples.RandomBytes(13, 640), 64, SectionFlags.Critical),
            (SectionKind.Parse("OPT_"), "ext", BlobSamples.RandomBytes(14, 5), 128, SectionFlags.None),
        };
        var w = new BlobWriter();
        foreach (var p in payloads)
        {
            w.AddSection(p.Kind, p.Bytes, p.Name, p.Alignment, p.Flags);
        }
        w.AddMetadata(BlobSamples.DetectorMetadata());
        var blob = w.ToArray();
        Assert.Equal(blob.Length, w.Length);

        var r = BlobReader.Open(blob, "roundtrip.aqd");
        Assert.Equal(1, r.MajorVersion);
        Assert.Equal(0, r.MinorVersion);
        Assert.Equal(payloads.Count + 2, r.Sections.Count); // + META + STRS
        for (int i = 0; i < payloads.Count; i++)
        {
            var s = r.Sections[i];
            Assert.Equal(payloads[i].Kind, s.Kind);
            Assert.Equal(payloads[i].Name, s.Name);
            Assert.Equal(payloads[i].Flags, s.Flags);
            Assert.Equal(payloads[i].Alignment, s.Alignment);
            Assert.Equal(0, s.Offset % s.Alignment);
            Assert.Equal(payloads[i].Bytes, s.Payload.ToArray());
        }
        Assert.Equal(["conv1", "conv2", "ext"], Enumerable.Range(0, r.Strings.Count).Select(i => r.Strings[i]));
        Assert.Equal(2, r.All(SectionKind.Weights).Count());
        Assert.Equal(SectionKind.Graph, r.Find(SectionKind.Graph)!.Kind);
        Assert.Null(BlobReader.Open(BlobSamples.Minimal(), "m").Find(SectionKind.Graph));
        Assert.Equal(ModelMetadataJson.Serialize(BlobSamples.DetectorMetadata()), ModelMetadataJson.Serialize(r.Metadata));
        Assert.Equal("M4F8L8", r.Metadata.BitPolicy.Shorthand);
        Assert.Equal([103_530, 116_280, 123_675], r.Metadata.Preprocessing.MeanMilli);
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        Assert.Equal(BlobSamples.DetectorBlob(), BlobSamples.DetectorBlob());
        var w = new BlobWriter();
        w.AddMetadata(BlobSamples.FeaturizerMetadata());
        var span = new byte[w.Length + 10];
        span.AsSpan().Fill(0xEE);
        w.WriteTo(span);
        Assert.Equal(w.ToArray(), span[..w.Length]);
    }

    [Fact]
    public void SectionsAreSlicesOfTheGivenMemoryNotCopies()
    {
        var blob = BlobSamples.DetectorBlob();
        var r = BlobReader.Open(blob, "d");
        foreach (var s in r.Sections)
        {
            Assert.True(MemoryMarshal.TryGetArray(s.Payload, out var segment));
            Assert.Same(blob, segment.Array);
            Assert.Equal(s.Offset, segment.Offset);
        }
    }

    [Fact]
    public void PackedDepthwiseWeightsAreWrappedBackWithoutCopying()
    {
        var (geometry, packed) = BlobSamples.DepthwisePacked(21, 40, 5);
        var w = new BlobWriter();
        w.AddMetadata(BlobSamples.FeaturizerMetadata());
        w.AddSection(SectionKind.Weights, packed, "dw");
        var blob = w.ToArray();
        var section = BlobReader.Open(blob, "dw.aqd").All(SectionKind.Weights).Single();
        Assert.Equal("dw", section.Name);

        var requant = Enumerable.Repeat(new ChannelRequant(1 << 30, 38), 40).ToArray();
        var op = DepthwiseConvolution.FromPackedWeights(geometry, ActivationFormat.Unsigned(8), section.Payload,
            new int[40], requant, new OutputRange(0, 0, 255), ActivationFormat.Unsigned(8));
        Assert.True(MemoryMarshal.TryGetArray(op.PackedWeights, out var segment));
        Assert.Same(blob, segment.Array);
        Assert.Equal(section.Offset, segment.Offset);
    }

    [Fact]
    public void UnknownOptionalSectionsAreKeptAndUnknownCriticalOnesRefused()
    {
        var r = BlobReader.Open(BlobSamples.Unusual(), "u");
        var extra = r.Find(SectionKind.Parse("XTRA"))!;
        Assert.Equal(SectionFlags.None, extra.Flags);
        Assert.Equal(33, extra.Length);
        Assert.Equal(0, r.Sections.Single(s => s.Name == "empty").Length);
        Assert.Equal(0, r.Sections.Single(s => s.Name == "page.aligned").Offset % 4096);

        var w = new BlobWriter();
        w.AddMetadata(BlobSamples.FeaturizerMetadata());
        w.AddSection(SectionKind.Parse("NEW1"), [1, 2, 3]);
        var e = Assert.Throws<BlobFormatException>(() => BlobReader.Open(w.ToArray(), "c.aqd"));
        Assert.Equal("kind", e.Field);
        Assert.Equal(BlobFormat.HeaderSize + BlobFormat.EntrySize, e.ByteOffset);
    }

    [Fact]
    public void SliceChecksReferencesIntoSections()
    {
        var blob = BlobSamples.DetectorBlob();
        var r = BlobReader.Open(blob, "d.aqd");
        int wi = r.Sections.First(s => s.Kind == SectionKind.Weights).Index;
        var ok = r.Slice((uint)wi, 64, 128, "ops[3].weights", 1234, alignment: 64);
        Assert.Equal(r.Sections[wi].Payload.Slice(64, 128).ToArray(), ok.ToArray());

        var e = Assert.Throws<BlobFormatException>(() => r.Slice(99, 0, 1, "ops[3].weights", 1234));
        Assert.Equal(("graph", "ops[3].weights", 1234L), (e.Section, e.Field, e.ByteOffset));
        Assert.Contains("section index 99", e.Message);
        e = Assert.Throws<BlobFormatException>(() => r.Slice((uint)wi, ulong.MaxValue, 2, "ops[3].weights", 1234));
        Assert.Contains("outside", e.Problem);
        e = Assert.Throws<BlobFormatException>(() => r.Slice((uint)wi, 8, ulong.MaxValue - 4, "w", 0));
        Assert.Contains("outside", e.Problem);
        e = Assert.Throws<BlobFormatException>(() => r.Slice((uint)wi, 8, 8, "w", 0, alignment: 64));
        Assert.Contains("multiple of 64", e.Problem);
    }

    [Fact]
    public void WriterRefusesWhatTheReaderWouldRefuse()
    {
        var w = new BlobWriter();
        w.AddMetadata(BlobSamples.FeaturizerMetadata());
        Assert.Throws<ArgumentException>(() => w.AddMetadata(BlobSamples.FeaturizerMetadata()));
        Assert.Throws<ArgumentException>(() => w.AddSection(SectionKind.Strings, [1]));
        Assert.Throws<ArgumentException>(() => w.AddSection(new SectionKind(0x00414141), [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.AddSection(SectionKind.Weights, [1], alignment: 96));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.AddSection(SectionKind.Weights, [1], alignment: 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.AddSection(SectionKind.Weights, [1], flags: (SectionFlags)2));
        Assert.Throws<ArgumentException>(() => SectionKind.Parse("ab"));
        Assert.Throws<ArgumentException>(() => SectionKind.Parse("abcd"));
        Assert.Equal("WGHT", SectionKind.Weights.ToString());
        Assert.Equal((byte)'W', (byte)SectionKind.Weights.Value);
    }
}
