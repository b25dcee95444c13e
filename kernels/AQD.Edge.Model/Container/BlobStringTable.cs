using System.Buffers.Binary;
using System.Text;

namespace AQD.Edge.Model.Container;

/// <summary>
/// The string table section (STRS): u32 count, u32 end[count] (end offset of string i in the UTF-8
/// data, non-decreasing), then the UTF-8 data; string i is data[end[i-1], end[i]) with end[-1] = 0,
/// and end[count-1] equals the data length. Strings are referenced by index; the table is decoded
/// once when the blob is opened.
/// </summary>
public sealed class BlobStringTable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string[] strings;

    private BlobStringTable(string[] strings) => this.strings = strings;

    public static BlobStringTable Empty { get; } = new([]);

    public int Count => strings.Length;

    public string this[int index] => strings[index];

    /// <summary>Encodes <paramref name="values"/> in the layout above.</summary>
    internal static byte[] Build(IReadOnlyList<string> values)
    {
        int dataBytes = 0;
        foreach (var s in values)
        {
            dataBytes = checked(dataBytes + StrictUtf8.GetByteCount(s));
        }
        var bytes = new byte[checked(4 + 4 * values.Count + dataBytes)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)values.Count);
        int pos = 4 + 4 * values.Count;
        for (int i = 0; i < values.Count; i++)
        {
            pos += StrictUtf8.GetBytes(values[i], bytes.AsSpan(pos));
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 + 4 * i), (uint)(pos - 4 - 4 * values.Count));
        }
        return bytes;
    }

    /// <summary>Decodes and checks a table; <paramref name="fail"/> builds the exception (field, offset in the payload, problem).</summary>
    internal static BlobStringTable Parse(ReadOnlySpan<byte> payload, Func<string, long, string, Exception> fail)
    {
        if (payload.Length < 4)
        {
            throw fail("count", 0, $"string table is {payload.Length} bytes, shorter than its 4-byte count.");
        }
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        if (count > (uint)(payload.Length - 4) / 4)
        {
            throw fail("count", 0, $"count {count} needs {4 + 4L * count} bytes of index but the section has {payload.Length}.");
        }
        int n = (int)count, dataStart = 4 + 4 * n, dataLength = payload.Length - dataStart;
        var result = new string[n];
        uint previous = 0;
        for (int i = 0; i < n; i++)
        {
            uint end = BinaryPrimitives.ReadUInt32LittleEndian(payload.Slice(4 + 4 * i));
            if (end < previous || end > (uint)dataLength)
            {
                throw fail($"end[{i}]", 4 + 4 * i, $"end offset {end} is outside [{previous}, {dataLength}] (offsets must not decrease and stay inside the {dataLength} data bytes).");
            }
            try
            {
                result[i] = StrictUtf8.GetString(payload.Slice(dataStart + (int)previous, (int)(end - previous)));
            }
            catch (DecoderFallbackException e)
            {
                throw fail($"string[{i}]", dataStart + previous, $"string {i} is not valid UTF-8 ({e.Message})");
            }
            previous = end;
        }
        if (previous != (uint)dataLength)
        {
            throw fail(n == 0 ? "count" : $"end[{n - 1}]", n == 0 ? 0 : 4 + 4 * (n - 1),
                $"the strings end at {previous} but the section holds {dataLength} data bytes (no trailing bytes allowed).");
        }
        return new BlobStringTable(result);
    }
}
