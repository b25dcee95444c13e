using System.IO.Hashing;

namespace AQD.Edge.Model.Container;

/// <summary>
/// Constants and field offsets of the blob container, version 1 (docs/blob-format.md). All integers
/// are little-endian.
/// <para>
/// Header (<see cref="HeaderSize"/> = 64 bytes in v1.0):
/// 0 magic "AQDB" | 4 u16 major | 6 u16 minor | 8 u32 endian marker 0x01020304 | 12 u32 headerSize |
/// 16 u32 entrySize | 20 u32 sectionCount | 24 u64 fileLength | 32 u32 flags (0) |
/// 36 u32 headerCrc32c | 40..headerSize reserved (0).
/// </para>
/// <para>
/// Section table entry (<see cref="EntrySize"/> = 40 bytes in v1.0), at headerSize + i * entrySize:
/// 0 kind fourcc | 4 u32 flags | 8 u64 offset | 16 u64 length | 24 u32 alignment | 28 u32 crc32c |
/// 32 u32 name (string index or <see cref="NoName"/>) | 36..entrySize reserved (0).
/// </para>
/// </summary>
public static class BlobFormat
{
    /// <summary>"AQDB" as the first four bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "AQDB"u8;

    public const ushort MajorVersion = 1;
    public const ushort MinorVersion = 0;

    /// <summary>Written as u32 little-endian: bytes 04 03 02 01.</summary>
    public const uint EndianMarker = 0x01020304;

    /// <summary>The marker as a big-endian writer would have stored it.</summary>
    public const uint SwappedEndianMarker = 0x04030201;

    public const int HeaderSize = 64;
    public const int EntrySize = 40;

    /// <summary>Readers accept larger header / entry sizes (later minors append fields) up to these bounds.</summary>
    public const int MaxHeaderSize = 4096;
    public const int MaxEntrySize = 1024;

    /// <summary>At most this many sections (bounds the table before anything is allocated).</summary>
    public const int MaxSections = 4096;

    /// <summary>Section alignment bounds (powers of two). 64 = cache line and the widest SIMD load.</summary>
    public const int MinAlignment = 64;
    public const int MaxAlignment = 65536;

    /// <summary>Name field value for an unnamed section.</summary>
    public const uint NoName = 0xFFFF_FFFF;

    // Header field offsets.
    internal const int OffMagic = 0, OffMajor = 4, OffMinor = 6, OffMarker = 8, OffHeaderSize = 12,
        OffEntrySize = 16, OffSectionCount = 20, OffFileLength = 24, OffFlags = 32, OffHeaderCrc = 36,
        OffHeaderReserved = 40;

    // Entry field offsets.
    internal const int EntKind = 0, EntFlags = 4, EntOffset = 8, EntLength = 16, EntAlignment = 24,
        EntCrc = 28, EntName = 32, EntReserved = 36;

    /// <summary>CRC-32C (Castagnoli, reflected, init and final xor 0xFFFFFFFF) of <paramref name="data"/>.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);

    /// <summary>
    /// The header checksum: CRC-32C over bytes [0, headerSize + sectionCount * entrySize) with the
    /// four bytes of the checksum field taken as zero.
    /// </summary>
    public static uint HeaderCrc32C(ReadOnlySpan<byte> headerAndTable)
    {
        var crc = new Crc32(Crc32ParameterSet.Crc32C);
        crc.Append(headerAndTable[..OffHeaderCrc]);
        crc.Append([0, 0, 0, 0]);
        crc.Append(headerAndTable[(OffHeaderCrc + 4)..]);
        return crc.GetCurrentHashAsUInt32();
    }

    internal static bool IsPowerOfTwo(long v) => v > 0 && (v & (v - 1)) == 0;
}
