using System.Text;
using AQD.Edge.Model.Container;
using static AQD.Edge.Model.Tests.BlobPatch;
using F = AQD.Edge.Model.Container.BlobFormat;

namespace AQD.Edge.Model.Tests;

/// <summary>Each check of the reader, reached by one patched field (CRCs re-sealed where the check comes after them).</summary>
public class ValidationTests
{
    private sealed record Case(Func<byte[]> Make, string Section, string Field, Func<byte[], long> Offset, string Says);

    // Detector blob layout: 0 META, 1 GRPH, 2 WGHT dw1, 3 WGHT dw2, 4 PRMS, 5 WGHT head, 6 STRS.
    private static byte[] Base() => BlobSamples.DetectorBlob();

    private static byte[] Patch(Action<byte[]> edit, bool reseal = true, bool resealAll = false)
    {
        var b = Base();
        edit(b);
        if (resealAll)
        {
            ResealAll(b);
        }
        else if (reseal)
        {
            ResealHeader(b);
        }
        return b;
    }

    private static long Entry(byte[] b, int i, int field) => EntryAt(b, i) + field;

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["magic"] = new(() => Patch(b => b[0] = (byte)'X', reseal: false), "header", "magic", _ => 0, "not \"AQDB\""),
        ["short file"] = new(() => Base()[..40], "header", "fileLength", _ => 40, "shorter than the 64-byte header"),
        ["big-endian marker"] = new(() => Patch(b => SetU32(b, F.OffMarker, F.SwappedEndianMarker), reseal: false), "header", "endianMarker", _ => 8, "big-endian"),
        ["bad marker"] = new(() => Patch(b => SetU32(b, F.OffMarker, 7), reseal: false), "header", "endianMarker", _ => 8, "0x00000007"),
        ["major 2"] = new(() => Patch(b => SetU16(b, F.OffMajor, 2), reseal: false), "header", "majorVersion", _ => 4, "version 2.0 is not supported"),
        ["header size"] = new(() => Patch(b => SetU32(b, F.OffHeaderSize, 60)), "header", "headerSize", _ => 12, "header size 60"),
        ["entry size"] = new(() => Patch(b => SetU32(b, F.OffEntrySize, 0xFFFF_FFF8)), "header", "entrySize", _ => 16, "entry size 4294967288"),
        ["huge count"] = new(() => Patch(b => SetU32(b, F.OffSectionCount, uint.MaxValue)), "header", "sectionCount", _ => 20, "exceeds the limit"),
        ["count past end"] = new(() => Patch(b => { SetU32(b, F.OffSectionCount, 4000); }), "header", "sectionCount", _ => 20, "past the blob's"),
        ["truncated"] = new(() => Base()[..^1], "header", "fileLength", _ => 24, "(truncated)"),
        ["trailing"] = new(() => [.. Base(), 0], "header", "fileLength", _ => 24, "(trailing bytes)"),
        ["header crc"] = new(() => Patch(b => b[F.OffHeaderCrc] ^= 1, reseal: false), "header", "headerCrc32c", _ => 36, "computed"),
        ["table bit"] = new(() => Patch(b => b[EntryAt(b, 3) + F.EntOffset + 7] ^= 0x40, reseal: false), "header", "headerCrc32c", _ => 36, "computed"),
        ["header flags"] = new(() => Patch(b => SetU32(b, F.OffFlags, 1)), "header", "flags", _ => 32, "no header flags"),
        ["header reserved"] = new(() => Patch(b => b[50] = 1), "header", "reserved", _ => 50, "must be zero"),
        ["kind"] = new(() => Patch(b => b[EntryAt(b, 2) + 1] = (byte)'g'), "section table[2]", "kind", b => Entry(b, 2, F.EntKind), "not four characters"),
        ["entry flags"] = new(() => Patch(b => SetU32(b, Entry(b, 3, F.EntFlags), 0x80000001)), "section table[3] WGHT", "flags", b => Entry(b, 3, F.EntFlags), "unknown bits"),
        ["alignment not pow2"] = new(() => Patch(b => SetU32(b, Entry(b, 2, F.EntAlignment), 96)), "section table[2] WGHT", "alignment", b => Entry(b, 2, F.EntAlignment), "alignment 96"),
        ["alignment zero"] = new(() => Patch(b => SetU32(b, Entry(b, 2, F.EntAlignment), 0)), "section table[2] WGHT", "alignment", b => Entry(b, 2, F.EntAlignment), "alignment 0"),
        ["alignment huge"] = new(() => Patch(b => SetU32(b, Entry(b, 2, F.EntAlignment), 1u << 31)), "section table[2] WGHT", "alignment", b => Entry(b, 2, F.EntAlignment), "2147483648"),
        ["misaligned offset"] = new(() => Patch(b => SetU64(b, Entry(b, 3, F.EntOffset), U64(b, Entry(b, 3, F.EntOffset)) + 8)), "section table[3] WGHT", "offset", b => Entry(b, 3, F.EntOffset), "not a multiple"),
        ["offset in table"] = new(() => Patch(b => SetU64(b, Entry(b, 1, F.EntOffset), 64)), "section table[1] GRPH", "offset", b => Entry(b, 1, F.EntOffset), "after the section table"),
        ["offset huge"] = new(() => Patch(b => SetU64(b, Entry(b, 4, F.EntOffset), ulong.MaxValue - 63)), "section table[4] PRMS", "offset", b => Entry(b, 4, F.EntOffset), "18446744073709551552"),
        ["length huge"] = new(() => Patch(b => SetU64(b, Entry(b, 5, F.EntLength), ulong.MaxValue)), "section table[5] WGHT", "length", b => Entry(b, 5, F.EntLength), "runs past"),
        ["length +1 at end"] = new(() => Patch(b => SetU64(b, Entry(b, 6, F.EntLength), U64(b, Entry(b, 6, F.EntLength)) + 1)), "section table[6] STRS", "length", b => Entry(b, 6, F.EntLength), "runs past"),
        ["entry reserved"] = new(() => Patch(b => b[Entry(b, 0, F.EntReserved) + 2] = 9), "section table[0] META", "reserved", b => Entry(b, 0, F.EntReserved) + 2, "must be zero"),
        ["duplicate META"] = new(() => Patch(b => SetU32(b, Entry(b, 1, F.EntKind), SectionKind.Metadata.Value)), "section table[1] META", "kind", b => Entry(b, 1, F.EntKind), "a second META"),
        ["overlap"] = new(() => Patch(b => SetU64(b, Entry(b, 3, F.EntOffset), U64(b, Entry(b, 2, F.EntOffset)))), "section table[3] WGHT", "offset", b => Entry(b, 3, F.EntOffset), "overlaps entry 2"),
        ["padding"] = new(() => Patch(b => b[TableEnd(b) + 3] = 0x20), "padding", "padding", b => TableEnd(b) + 3, "must be zero"),
        ["section crc"] = new(() => Patch(b => b[Range(b, 3).Offset + 100] ^= 4), "section[3] WGHT", "crc32c", b => Entry(b, 3, F.EntCrc), "computed"),
        ["stored crc"] = new(() => Patch(b => b[Entry(b, 4, F.EntCrc)] ^= 4), "section[4] PRMS", "crc32c", b => Entry(b, 4, F.EntCrc), "computed"),
        ["name index"] = new(() => Patch(b => SetU32(b, Entry(b, 2, F.EntName), 4)), "section table[2] WGHT", "name", b => Entry(b, 2, F.EntName), "outside the string table of 4"),
        ["string count"] = new(() => Patch(b => SetU32(b, Range(b, 6).Offset, 1000), resealAll: true), "section[6] STRS", "count", b => Range(b, 6).Offset, "count 1000"),
        ["string end"] = new(() => Patch(b => SetU32(b, Range(b, 6).Offset + 8, 1), resealAll: true), "section[6] STRS", "end[1]", b => Range(b, 6).Offset + 8, "outside [12,"),
        ["string utf8"] = new(() => Patch(b => b[Range(b, 6).Offset + 4 + 16] = 0xC3, resealAll: true), "section[6] STRS", "string[0]", b => Range(b, 6).Offset + 4 + 16, "not valid UTF-8"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ErrorNamesSectionFieldAndOffset(string name)
    {
        var c = Cases[name];
        var blob = c.Make();
        var e = Assert.Throws<BlobFormatException>(() => BlobReader.Open(blob, "model.aqd"));
        Assert.Equal("model.aqd", e.SourceName);
        Assert.Equal(c.Section, e.Section);
        Assert.Equal(c.Field, e.Field);
        Assert.Equal(c.Offset(blob.Length >= F.HeaderSize ? blob : Base()), e.ByteOffset);
        Assert.Contains(c.Says, e.Problem);
        Assert.StartsWith($"model.aqd: {c.Section}, field '{c.Field}' at byte {e.ByteOffset}: ", e.Message);
    }

    [Fact]
    public void EveryShortLengthIsATruncationError()
    {
        var blob = Base();
        for (int n = 0; n < blob.Length; n++)
        {
            var e = Assert.Throws<BlobFormatException>(() => BlobReader.Open(blob.AsMemory(0, n), "t"));
            Assert.Equal("fileLength", e.Field);
        }
    }

    [Fact]
    public void MissingMetadataIsNamed()
    {
        var w = new BlobWriter();
        w.AddSection(SectionKind.Weights, [1, 2, 3]);
        var e = Assert.Throws<BlobFormatException>(() => BlobReader.Open(w.ToArray(), "nometa"));
        Assert.Equal(("section table", "kind", 64L), (e.Section, e.Field, e.ByteOffset));
        Assert.Contains("no META", e.Problem);
    }

    [Fact]
    public void LargerHeaderAndEntriesOfALaterMinorAreAccepted()
    {
        // A 1.1 writer may append fields: header 72 bytes, entries 48 bytes, both zero-filled here.
        var v10 = BlobSamples.Minimal();
        var (off, len) = Range(v10, 0);
        var meta = v10.AsSpan(off, len).ToArray();
        var b = new byte[128 + len];
        v10.AsSpan(0, 64).CopyTo(b);
        SetU16(b, F.OffMinor, 1);
        SetU32(b, F.OffHeaderSize, 72);
        SetU32(b, F.OffEntrySize, 48);
        SetU64(b, F.OffFileLength, (ulong)b.Length);
        v10.AsSpan(64, 40).CopyTo(b.AsSpan(72));
        SetU64(b, 72 + F.EntOffset, 128);
        meta.CopyTo(b, 128);
        ResealHeader(b);
        var r = BlobReader.Open(b, "v11");
        Assert.Equal(1, r.MinorVersion);
        Assert.Equal(meta, r.Sections[0].Payload.ToArray());
    }

    [Fact]
    public void ErrorMessageNamesEverything()
    {
        var blob = Cases["length huge"].Make();
        var e = Assert.Throws<BlobFormatException>(() => BlobReader.Open(blob, "/models/nanodet.aqd"));
        Assert.Equal($"/models/nanodet.aqd: section table[5] WGHT, field 'length' at byte {EntryAt(blob, 5) + 16}: " +
            $"length 18446744073709551615 from offset {U64(blob, EntryAt(blob, 5) + 8)} runs past the blob's end at {blob.Length}.", e.Message);
        Assert.Contains("'head.dw'", BlobReader.Open(Base(), "x").Sections[5].Label);
        TestContext.Current.TestOutputHelper?.WriteLine(e.Message);
    }

    internal static byte[] WithRawMetadata(string json)
    {
        var w = new BlobWriter();
        w.AddSection(SectionKind.Weights, [1, 2, 3]);
        w.AddSection(SectionKind.Metadata, Encoding.UTF8.GetBytes(json));
        return w.ToArray();
    }
}
