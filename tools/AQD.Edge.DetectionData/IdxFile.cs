using System.Buffers.Binary;
using System.IO.Compression;

namespace AQD.Edge.DetectionData;

/// <summary>Reader of the MNIST IDX format (big-endian header; magic 0x00000803 = ubyte images
/// [n, rows, cols], 0x00000801 = ubyte labels [n]), plain or gzip'd.</summary>
public static class IdxFile
{
    /// <summary>Reads an image file: returns (count, rows, cols, pixels[count*rows*cols]).</summary>
    public static (int Count, int Rows, int Cols, byte[] Pixels) ReadImages(Stream stream, string name)
    {
        byte[] data = ReadAll(stream, name);
        if (data.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(data) != 0x803)
            throw new InvalidDataException($"{name}: not an IDX ubyte image file (magic 0x00000803 expected)");
        int n = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(12));
        if (n <= 0 || rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096 || (long)n * rows * cols != data.Length - 16)
            throw new InvalidDataException($"{name}: IDX header says {n} images of {rows}x{cols} but the file holds {data.Length - 16} pixel bytes");
        return (n, rows, cols, data.AsSpan(16).ToArray());
    }

    /// <summary>Reads a label file: returns labels[count].</summary>
    public static byte[] ReadLabels(Stream stream, string name)
    {
        byte[] data = ReadAll(stream, name);
        if (data.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(data) != 0x801)
            throw new InvalidDataException($"{name}: not an IDX ubyte label file (magic 0x00000801 expected)");
        int n = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        if (n <= 0 || n != data.Length - 8)
            throw new InvalidDataException($"{name}: IDX header says {n} labels but the file holds {data.Length - 8}");
        return data.AsSpan(8).ToArray();
    }

    private static byte[] ReadAll(Stream stream, string name)
    {
        using var raw = new MemoryStream();
        stream.CopyTo(raw);
        byte[] bytes = raw.ToArray();
        if (bytes.Length == 0) throw new InvalidDataException($"{name}: file is empty");
        if (bytes.Length < 2 || bytes[0] != 0x1F || bytes[1] != 0x8B) return bytes;
        try
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            return ms.ToArray();
        }
        catch (InvalidDataException e) { throw new InvalidDataException($"{name}: corrupt gzip data ({e.Message})", e); }
    }
}
