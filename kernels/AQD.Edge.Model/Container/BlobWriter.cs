using System.Buffers.Binary;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.Model.Container;

/// <summary>
/// Builds a blob in memory: sections are added with kind, bytes, optional name and alignment; the
/// writer lays them out (header, section table, zero padding up to each section's alignment), writes
/// the string table (STRS) when any string was used, and fills in every CRC. Output is deterministic:
/// the same calls give the same bytes.
/// </summary>
public sealed class BlobWriter
{
    private readonly List<Pending> sections = [];
    private readonly List<string> strings = [];
    private readonly Dictionary<string, int> stringIndex = new(StringComparer.Ordinal);

    private sealed record Pending(SectionKind Kind, byte[] Payload, int Alignment, SectionFlags Flags, uint Name);

    public int SectionCount => sections.Count + (strings.Count > 0 ? 1 : 0);

    /// <summary>Adds (or finds) a string in the string table and returns its index.</summary>
    public int AddString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!stringIndex.TryGetValue(value, out int index))
        {
            index = strings.Count;
            strings.Add(value);
            stringIndex.Add(value, index);
        }
        return index;
    }

    /// <summary>
    /// Adds a section and returns its index in the table (the string table, if any, comes last).
    /// The payload is copied.
    /// </summary>
    /// <exception cref="ArgumentException">STRS (the writer builds it), a second META/GRPH, an alignment that is
    /// not a power of two in [64, 65536], unknown flag bits, or too many sections.</exception>
    public int AddSection(SectionKind kind, ReadOnlySpan<byte> payload, string? name = null,
        int alignment = BlobFormat.MinAlignment, SectionFlags flags = SectionFlags.Critical)
    {
        if (!kind.IsWellFormed)
        {
            throw new ArgumentException($"section kind {kind} is not four characters of A-Z, 0-9, '_'.", nameof(kind));
        }
        if (kind == SectionKind.Strings)
        {
            throw new ArgumentException("the writer builds the string table itself: use AddString.", nameof(kind));
        }
        if (BlobReader.IsUniqueKind(kind) && sections.Exists(s => s.Kind == kind))
        {
            throw new ArgumentException($"a blob holds at most one {kind} section.", nameof(kind));
        }
        if (!BlobFormat.IsPowerOfTwo(alignment) || alignment < BlobFormat.MinAlignment || alignment > BlobFormat.MaxAlignment)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment,
                $"alignment must be a power of two in [{BlobFormat.MinAlignment}, {BlobFormat.MaxAlignment}].");
        }
        if ((flags & ~SectionFlags.Critical) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(flags), flags, "unknown section flag bits.");
        }
        if (SectionCount + 1 + (strings.Count == 0 && name is not null ? 1 : 0) > BlobFormat.MaxSections)
        {
            throw new ArgumentException($"a blob holds at most {BlobFormat.MaxSections} sections.");
        }
        uint nameIndex = name is null ? BlobFormat.NoName : (uint)AddString(name);
        sections.Add(new Pending(kind, payload.ToArray(), alignment, flags, nameIndex));
        return sections.Count - 1;
    }

    /// <summary>Validates <paramref name="metadata"/>, serializes it as UTF-8 JSON and adds the META section.</summary>
    /// <exception cref="ModelMetadataException">The metadata breaks a rule of the schema.</exception>
    public int AddMetadata(ModelMetadata metadata)
    {
        ModelMetadataValidator.Validate(metadata);
        return AddSection(SectionKind.Metadata, ModelMetadataJson.Serialize(metadata));
    }

    /// <summary>Total bytes of the blob.</summary>
    public int Length => Layout(out _).Length;

    public byte[] ToArray()
    {
        var (length, offsets) = Layout(out var all);
        var blob = new byte[length];
        Write(blob, all, offsets);
        return blob;
    }

    /// <summary>Writes the blob to the start of <paramref name="destination"/> (at least <see cref="Length"/> bytes).</summary>
    public void WriteTo(Span<byte> destination)
    {
        var (length, offsets) = Layout(out var all);
        if (destination.Length < length)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the blob takes {length}.", nameof(destination));
        }
        destination[..length].Clear();
        Write(destination, all, offsets);
    }

    private (int Length, long[] Offsets) Layout(out List<Pending> all)
    {
        all = [.. sections];
        if (strings.Count > 0)
        {
            all.Add(new Pending(SectionKind.Strings, BlobStringTable.Build(strings), BlobFormat.MinAlignment, SectionFlags.Critical, BlobFormat.NoName));
        }
        var offsets = new long[all.Count];
        long pos = BlobFormat.HeaderSize + (long)all.Count * BlobFormat.EntrySize;
        for (int i = 0; i < all.Count; i++)
        {
            pos = (pos + all[i].Alignment - 1) & ~(long)(all[i].Alignment - 1);
            offsets[i] = pos;
            pos += all[i].Payload.Length;
        }
        if (pos > int.MaxValue)
        {
            throw new InvalidOperationException($"the blob would take {pos} bytes; blobs are limited to {int.MaxValue} bytes.");
        }
        return ((int)pos, offsets);
    }

    private static void Write(Span<byte> blob, List<Pending> all, long[] offsets)
    {
        BlobFormat.Magic.CopyTo(blob);
        BinaryPrimitives.WriteUInt16LittleEndian(blob[BlobFormat.OffMajor..], BlobFormat.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(blob[BlobFormat.OffMinor..], BlobFormat.MinorVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(blob[BlobFormat.OffMarker..], BlobFormat.EndianMarker);
        BinaryPrimitives.WriteUInt32LittleEndian(blob[BlobFormat.OffHeaderSize..], BlobFormat.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(blob[BlobFormat.OffEntrySize..], BlobFormat.EntrySize);
        BinaryPrimitives.WriteUInt32LittleEndian(blob[BlobFormat.OffSectionCount..], (uint)all.Count);
        long end = all.Count == 0 ? BlobFormat.HeaderSize : offsets[^1] + all[^1].Payload.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(blob[BlobFormat.OffFileLength..], (ulong)end);
        for (int i = 0; i < all.Count; i++)
        {
            var s = all[i];
            var e = blob[(BlobFormat.HeaderSize + i * BlobFormat.EntrySize)..];
            BinaryPrimitives.WriteUInt32LittleEndian(e[BlobFormat.EntKind..], s.Kind.Value);
            BinaryPrimitives.WriteUInt32LittleEndian(e[BlobFormat.EntFlags..], (uint)s.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(e[BlobFormat.EntOffset..], (ulong)offsets[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(e[BlobFormat.EntLength..], (ulong)s.Payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(e[BlobFormat.EntAlignment..], (uint)s.Alignment);
            BinaryPrimitives.WriteUInt32LittleEndian(e[BlobFormat.EntCrc..], BlobFormat.Crc32C(s.Payload));
            BinaryPrimitives.WriteUInt32LittleEndian(e[BlobFormat.EntName..], s.Name);
            s.Payload.CopyTo(blob[(int)offsets[i]..]);
        }
        int tableEnd = BlobFormat.HeaderSize + all.Count * BlobFormat.EntrySize;
        BinaryPrimitives.WriteUInt32LittleEndian(blob[BlobFormat.OffHeaderCrc..], BlobFormat.HeaderCrc32C(blob[..tableEnd]));
    }
}
