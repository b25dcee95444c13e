using System.Buffers.Binary;
using AQD.Edge.Kernels.Detection;
using AQD.Edge.Model.Detection;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.Model.Container;

/// <summary>
/// A validated blob. <see cref="Open"/> checks every byte of the container before anything is
/// handed out: header fields, the header CRC, each table entry (kind, flags, alignment, bounds),
/// that sections do not overlap, that the gaps between them are zero, the per-section CRCs, the
/// string table and the metadata JSON. Sections are slices of the given memory (no copies).
/// The reader does no I/O: the caller passes the bytes of a memory-mapped file, a file read into
/// an array, or a flash partition.
/// </summary>
public sealed class BlobReader
{
    private const int MaxMetadataBytes = 16 << 20;

    private readonly BlobSection[] sections;

    private BlobReader(string sourceName, ReadOnlyMemory<byte> data, int major, int minor, BlobSection[] sections,
        BlobStringTable strings, ModelMetadata metadata, DetectionParams? detection)
    {
        Detection = detection;
        SourceName = sourceName;
        Data = data;
        MajorVersion = major;
        MinorVersion = minor;
        this.sections = sections;
        Strings = strings;
        Metadata = metadata;
    }

    public string SourceName { get; }

    /// <summary>The whole blob.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public int MajorVersion { get; }
    public int MinorVersion { get; }

    /// <summary>Sections in table order.</summary>
    public IReadOnlyList<BlobSection> Sections => sections;

    public BlobStringTable Strings { get; }

    public ModelMetadata Metadata { get; }

    /// <summary>The validated detector decode tables of the DETC section, or null when there is none.</summary>
    public DetectionParams? Detection { get; }

    /// <summary>The only section of <paramref name="kind"/>, or null.</summary>
    public BlobSection? Find(SectionKind kind) => Array.Find(sections, s => s.Kind == kind);

    /// <summary>Sections of <paramref name="kind"/> in table order.</summary>
    public IEnumerable<BlobSection> All(SectionKind kind) => sections.Where(s => s.Kind == kind);

    /// <summary>
    /// A validated sub-range of section <paramref name="sectionIndex"/> (for graph records that point
    /// into weight or parameter sections). <paramref name="field"/> and <paramref name="fieldByteOffset"/>
    /// name the referencing field in errors.
    /// </summary>
    /// <exception cref="BlobFormatException">No such section, range outside it, or misaligned.</exception>
    public ReadOnlyMemory<byte> Slice(uint sectionIndex, ulong offset, ulong length, string field, long fieldByteOffset,
        string referencingSection = "graph", int alignment = 1)
    {
        if (sectionIndex >= (uint)sections.Length)
        {
            throw new BlobFormatException(SourceName, referencingSection, field, fieldByteOffset,
                $"section index {sectionIndex} is outside the table of {sections.Length} sections.");
        }
        var s = sections[sectionIndex];
        if (offset > (ulong)s.Length || length > (ulong)s.Length - offset)
        {
            throw new BlobFormatException(SourceName, referencingSection, field, fieldByteOffset,
                $"range [{offset}, +{length}) is outside {s.Label} of {s.Length} bytes.");
        }
        if (alignment > 1 && offset % (ulong)alignment != 0)
        {
            throw new BlobFormatException(SourceName, referencingSection, field, fieldByteOffset,
                $"offset {offset} into {s.Label} is not a multiple of {alignment}.");
        }
        return s.Payload.Slice((int)offset, (int)length);
    }

    internal static bool IsUniqueKind(SectionKind kind)
        => kind == SectionKind.Metadata || kind == SectionKind.Strings || kind == SectionKind.Graph || kind == SectionKind.Detection;

    internal static bool IsKnownKind(SectionKind kind)
        => IsUniqueKind(kind) || kind == SectionKind.Weights || kind == SectionKind.Parameters;

    /// <summary>Validates <paramref name="data"/> completely and returns the reader.</summary>
    /// <param name="data">The whole blob.</param>
    /// <param name="sourceName">How errors name the blob (usually the file name).</param>
    /// <exception cref="BlobFormatException">Anything wrong, with section, field and byte offset.</exception>
    public static BlobReader Open(ReadOnlyMemory<byte> data, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        var b = data.Span;
        BlobFormatException Fail(string section, string field, long offset, string problem, Exception? inner = null)
            => new(sourceName, section, field, offset, problem, inner);

        // ---- fixed header
        const string H = "header";
        if (b.Length >= 4 && !b[..4].SequenceEqual(BlobFormat.Magic))
        {
            throw Fail(H, "magic", BlobFormat.OffMagic, $"bytes {Convert.ToHexString(b[..4])} are not \"AQDB\" (not an AQD.Edge model blob).");
        }
        if (b.Length < BlobFormat.HeaderSize)
        {
            throw Fail(H, "fileLength", b.Length, $"the blob is {b.Length} bytes, shorter than the {BlobFormat.HeaderSize}-byte header (truncated).");
        }
        uint marker = BinaryPrimitives.ReadUInt32LittleEndian(b[BlobFormat.OffMarker..]);
        if (marker != BlobFormat.EndianMarker)
        {
            throw Fail(H, "endianMarker", BlobFormat.OffMarker, marker == BlobFormat.SwappedEndianMarker
                ? "marker reads 0x04030201: the blob was written big-endian; blobs are little-endian."
                : $"marker 0x{marker:X8} is not 0x01020304.");
        }
        int major = BinaryPrimitives.ReadUInt16LittleEndian(b[BlobFormat.OffMajor..]);
        int minor = BinaryPrimitives.ReadUInt16LittleEndian(b[BlobFormat.OffMinor..]);
        if (major != BlobFormat.MajorVersion)
        {
            throw Fail(H, "majorVersion", BlobFormat.OffMajor, $"format version {major}.{minor} is not supported (this reader reads {BlobFormat.MajorVersion}.x).");
        }
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(b[BlobFormat.OffHeaderSize..]);
        if (headerSize < BlobFormat.HeaderSize || headerSize > BlobFormat.MaxHeaderSize || headerSize % 8 != 0)
        {
            throw Fail(H, "headerSize", BlobFormat.OffHeaderSize, $"header size {headerSize} is not a multiple of 8 in [{BlobFormat.HeaderSize}, {BlobFormat.MaxHeaderSize}].");
        }
        uint entrySize = BinaryPrimitives.ReadUInt32LittleEndian(b[BlobFormat.OffEntrySize..]);
        if (entrySize < BlobFormat.EntrySize || entrySize > BlobFormat.MaxEntrySize || entrySize % 8 != 0)
        {
            throw Fail(H, "entrySize", BlobFormat.OffEntrySize, $"entry size {entrySize} is not a multiple of 8 in [{BlobFormat.EntrySize}, {BlobFormat.MaxEntrySize}].");
        }
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(b[BlobFormat.OffSectionCount..]);
        if (count > BlobFormat.MaxSections)
        {
            throw Fail(H, "sectionCount", BlobFormat.OffSectionCount, $"section count {count} exceeds the limit of {BlobFormat.MaxSections}.");
        }
        ulong fileLength = BinaryPrimitives.ReadUInt64LittleEndian(b[BlobFormat.OffFileLength..]);
        if (fileLength != (ulong)b.Length)
        {
            throw Fail(H, "fileLength", BlobFormat.OffFileLength, fileLength > (ulong)b.Length
                ? $"the header says {fileLength} bytes but the blob has {b.Length} (truncated)."
                : $"the header says {fileLength} bytes but the blob has {b.Length} (trailing bytes).");
        }
        long tableEnd = headerSize + (long)count * entrySize;
        if (tableEnd > b.Length)
        {
            throw Fail(H, "sectionCount", BlobFormat.OffSectionCount, $"{count} entries of {entrySize} bytes after a {headerSize}-byte header end at {tableEnd}, past the blob's {b.Length} bytes.");
        }
        var headerAndTable = b[..(int)tableEnd];
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(b[BlobFormat.OffHeaderCrc..]);
        uint crc = BlobFormat.HeaderCrc32C(headerAndTable);
        if (crc != storedCrc)
        {
            throw Fail(H, "headerCrc32c", BlobFormat.OffHeaderCrc, $"stored 0x{storedCrc:X8}, computed 0x{crc:X8} over the header and section table.");
        }
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(b[BlobFormat.OffFlags..]);
        if (flags != 0)
        {
            throw Fail(H, "flags", BlobFormat.OffFlags, $"flags 0x{flags:X8}: no header flags are defined in version {BlobFormat.MajorVersion}.");
        }
        int nonZero = b[BlobFormat.OffHeaderReserved..(int)headerSize].IndexOfAnyExcept((byte)0);
        if (nonZero >= 0)
        {
            throw Fail(H, "reserved", BlobFormat.OffHeaderReserved + nonZero, "reserved header bytes must be zero.");
        }

        // ---- section table
        var entries = new Entry[count];
        for (int i = 0; i < count; i++)
        {
            int at = (int)headerSize + i * (int)entrySize;
            var e = b.Slice(at, (int)entrySize);
            var kind = new SectionKind(BinaryPrimitives.ReadUInt32LittleEndian(e));
            string label = $"section table[{i}]";
            if (!kind.IsWellFormed)
            {
                throw Fail(label, "kind", at + BlobFormat.EntKind, $"kind {kind} is not four characters of A-Z, 0-9, '_'.");
            }
            label = $"section table[{i}] {kind}";
            uint sflags = BinaryPrimitives.ReadUInt32LittleEndian(e[BlobFormat.EntFlags..]);
            if ((sflags & ~(uint)SectionFlags.Critical) != 0)
            {
                throw Fail(label, "flags", at + BlobFormat.EntFlags, $"flags 0x{sflags:X8} has unknown bits.");
            }
            if (!IsKnownKind(kind) && (sflags & (uint)SectionFlags.Critical) != 0)
            {
                throw Fail(label, "kind", at + BlobFormat.EntKind, $"critical section kind {kind} is unknown to this reader (format {BlobFormat.MajorVersion}.{BlobFormat.MinorVersion}).");
            }
            uint alignment = BinaryPrimitives.ReadUInt32LittleEndian(e[BlobFormat.EntAlignment..]);
            if (!BlobFormat.IsPowerOfTwo(alignment) || alignment < BlobFormat.MinAlignment || alignment > BlobFormat.MaxAlignment)
            {
                throw Fail(label, "alignment", at + BlobFormat.EntAlignment, $"alignment {alignment} is not a power of two in [{BlobFormat.MinAlignment}, {BlobFormat.MaxAlignment}].");
            }
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(e[BlobFormat.EntOffset..]);
            if (offset < (ulong)tableEnd || offset > (ulong)b.Length)
            {
                throw Fail(label, "offset", at + BlobFormat.EntOffset, $"offset {offset} is outside [{tableEnd}, {b.Length}] (after the section table, inside the blob).");
            }
            if (offset % alignment != 0)
            {
                throw Fail(label, "offset", at + BlobFormat.EntOffset, $"offset {offset} is not a multiple of the section's alignment {alignment}.");
            }
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(e[BlobFormat.EntLength..]);
            if (length > (ulong)b.Length - offset)
            {
                throw Fail(label, "length", at + BlobFormat.EntLength, $"length {length} from offset {offset} runs past the blob's end at {b.Length}.");
            }
            uint name = BinaryPrimitives.ReadUInt32LittleEndian(e[BlobFormat.EntName..]);
            nonZero = e[BlobFormat.EntReserved..].IndexOfAnyExcept((byte)0);
            if (nonZero >= 0)
            {
                throw Fail(label, "reserved", at + BlobFormat.EntReserved + nonZero, "reserved entry bytes must be zero.");
            }
            if (IsUniqueKind(kind))
            {
                for (int j = 0; j < i; j++)
                {
                    if (entries[j].Kind == kind)
                    {
                        throw Fail(label, "kind", at + BlobFormat.EntKind, $"a second {kind} section (the first is entry {j}); a blob holds at most one.");
                    }
                }
            }
            entries[i] = new Entry(kind, (SectionFlags)sflags, (long)offset, (int)length, (int)alignment,
                BinaryPrimitives.ReadUInt32LittleEndian(e[BlobFormat.EntCrc..]), name, at);
        }

        // ---- layout: no overlap, zero gaps, the last section ends the blob
        var order = new int[count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        Array.Sort(order, (x, y) => entries[x].Offset != entries[y].Offset ? entries[x].Offset.CompareTo(entries[y].Offset) : x.CompareTo(y));
        long cursor = tableEnd;
        int previous = -1;
        foreach (int i in order)
        {
            var en = entries[i];
            if (en.Offset < cursor)
            {
                throw Fail($"section table[{i}] {en.Kind}", "offset", en.EntryAt + BlobFormat.EntOffset,
                    $"section [{en.Offset}, {en.Offset + en.Length}) overlaps entry {previous}'s section ending at {cursor}.");
            }
            nonZero = b[(int)cursor..(int)en.Offset].IndexOfAnyExcept((byte)0);
            if (nonZero >= 0)
            {
                throw Fail("padding", "padding", cursor + nonZero, $"padding before section {i} must be zero.");
            }
            cursor = en.Offset + en.Length;
            previous = i;
        }
        if (cursor != b.Length)
        {
            throw Fail("padding", "fileLength", cursor, $"{b.Length - cursor} bytes after the last section's end at {cursor}; the last section must end the blob.");
        }

        // ---- section payloads
        for (int i = 0; i < count; i++)
        {
            var en = entries[i];
            uint actual = BlobFormat.Crc32C(b.Slice((int)en.Offset, en.Length));
            if (actual != en.Crc)
            {
                throw Fail($"section[{i}] {en.Kind}", "crc32c", en.EntryAt + BlobFormat.EntCrc,
                    $"stored 0x{en.Crc:X8}, computed 0x{actual:X8} over the section's {en.Length} bytes at {en.Offset}.");
            }
        }

        var strings = BlobStringTable.Empty;
        int stringsIndex = Array.FindIndex(entries, en => en.Kind == SectionKind.Strings);
        if (stringsIndex >= 0)
        {
            var en = entries[stringsIndex];
            strings = BlobStringTable.Parse(b.Slice((int)en.Offset, en.Length),
                (field, rel, problem) => Fail($"section[{stringsIndex}] STRS", field, en.Offset + rel, problem));
        }
        var result = new BlobSection[count];
        for (int i = 0; i < count; i++)
        {
            var en = entries[i];
            string? name = null;
            if (en.Name != BlobFormat.NoName)
            {
                if (en.Name >= (uint)strings.Count)
                {
                    throw Fail($"section table[{i}] {en.Kind}", "name", en.EntryAt + BlobFormat.EntName,
                        $"name index {en.Name} is outside the string table of {strings.Count} strings.");
                }
                name = strings[(int)en.Name];
            }
            result[i] = new BlobSection(i, en.Kind, en.Flags, en.Offset, en.Alignment, en.Crc, name, data.Slice((int)en.Offset, en.Length));
        }

        // ---- metadata
        var meta = Array.Find(result, s => s.Kind == SectionKind.Metadata)
            ?? throw Fail("section table", "kind", headerSize, "the blob has no META (metadata) section; it is required.");
        if (meta.Length > MaxMetadataBytes)
        {
            throw Fail(meta.Label, "length", entries[meta.Index].EntryAt + BlobFormat.EntLength, $"metadata of {meta.Length} bytes exceeds the limit of {MaxMetadataBytes}.");
        }
        ModelMetadata metadata;
        try
        {
            metadata = ModelMetadataJson.Parse(meta.Payload.Span);
            ModelMetadataValidator.Validate(metadata);
        }
        catch (ModelMetadataException e)
        {
            throw Fail(meta.Label, e.JsonPath, meta.Offset + e.BytePosition, e.Problem, e);
        }
        var detc = Array.Find(result, s => s.Kind == SectionKind.Detection);
        var detection = detc is null ? null : DetectionSection.Read(detc, sourceName);
        return new BlobReader(sourceName, data, major, minor, result, strings, metadata, detection);
    }

    private readonly record struct Entry(SectionKind Kind, SectionFlags Flags, long Offset, int Length, int Alignment, uint Crc, uint Name, int EntryAt);
}
