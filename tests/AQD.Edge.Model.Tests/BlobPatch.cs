using System.Buffers.Binary;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Model.Tests;

/// <summary>Reads and patches blob fields, and re-seals CRCs so a patched field reaches its own check.</summary>
internal static class BlobPatch
{
    public static uint U32(byte[] b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)at));
    public static ulong U64(byte[] b, long at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan((int)at));
    public static void SetU16(byte[] b, long at, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan((int)at), v);
    public static void SetU32(byte[] b, long at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)at), v);
    public static void SetU64(byte[] b, long at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan((int)at), v);

    public static int HeaderSize(byte[] b) => (int)U32(b, BlobFormat.OffHeaderSize);
    public static int EntrySize(byte[] b) => (int)U32(b, BlobFormat.OffEntrySize);
    public static int Count(byte[] b) => (int)U32(b, BlobFormat.OffSectionCount);
    public static int TableEnd(byte[] b) => HeaderSize(b) + Count(b) * EntrySize(b);

    /// <summary>Byte offset of table entry <paramref name="i"/> (of a blob with sane header fields).</summary>
    public static int EntryAt(byte[] b, int i) => HeaderSize(b) + i * EntrySize(b);

    public static int IndexOf(byte[] b, SectionKind kind)
    {
        for (int i = 0; i < Count(b); i++)
        {
            if (U32(b, EntryAt(b, i)) == kind.Value)
            {
                return i;
            }
        }
        throw new InvalidOperationException($"no {kind} section");
    }

    public static (int Offset, int Length) Range(byte[] b, int i)
        => ((int)U64(b, EntryAt(b, i) + BlobFormat.EntOffset), (int)U64(b, EntryAt(b, i) + BlobFormat.EntLength));

    /// <summary>Recomputes the header CRC when the header fields still describe a table inside the blob.</summary>
    public static void ResealHeader(byte[] b)
    {
        if (b.Length < BlobFormat.HeaderSize)
        {
            return;
        }
        ulong end = U32(b, BlobFormat.OffHeaderSize) + (ulong)U32(b, BlobFormat.OffSectionCount) * U32(b, BlobFormat.OffEntrySize);
        if (end < BlobFormat.HeaderSize || end > (ulong)b.Length)
        {
            return;
        }
        SetU32(b, BlobFormat.OffHeaderCrc, BlobFormat.HeaderCrc32C(b.AsSpan(0, (int)end)));
    }

    /// <summary>Recomputes every section CRC whose range lies inside the blob, then the header CRC.</summary>
    public static void ResealAll(byte[] b)
    {
        if (b.Length < BlobFormat.HeaderSize)
        {
            return;
        }
        long hs = U32(b, BlobFormat.OffHeaderSize), es = U32(b, BlobFormat.OffEntrySize), n = U32(b, BlobFormat.OffSectionCount);
        if (es < BlobFormat.EntrySize || es > 1 << 20 || n > 1 << 20 || hs + n * es > b.Length)
        {
            return;
        }
        for (int i = 0; i < n; i++)
        {
            long at = hs + i * es;
            ulong off = U64(b, at + BlobFormat.EntOffset), len = U64(b, at + BlobFormat.EntLength);
            if (off <= (ulong)b.Length && len <= (ulong)b.Length - off)
            {
                SetU32(b, at + BlobFormat.EntCrc, BlobFormat.Crc32C(b.AsSpan((int)off, (int)len)));
            }
        }
        ResealHeader(b);
    }

    /// <summary>Replaces section <paramref name="i"/>'s payload (same length) and re-seals.</summary>
    public static byte[] WithPayload(byte[] blob, int i, ReadOnlySpan<byte> payload)
    {
        var b = (byte[])blob.Clone();
        var (off, len) = Range(b, i);
        if (payload.Length != len)
        {
            throw new ArgumentException("payload length differs");
        }
        payload.CopyTo(b.AsSpan(off));
        ResealAll(b);
        return b;
    }
}
