using System.Buffers.Binary;

namespace AQD.Edge.Hardware.Frames;

/// <summary>Outcome of <see cref="JpegScanner.Scan"/>.</summary>
public enum JpegScanResult
{
    /// <summary>A complete JPEG (SOI..EOI) was found.</summary>
    Complete,
    /// <summary>No SOI yet, or the JPEG starting at the SOI is not complete: read more bytes.</summary>
    NeedMoreData,
    /// <summary>The bytes after the SOI are not a valid marker structure: skip this SOI.</summary>
    Corrupt,
}

/// <summary>
/// Splits a concatenated MJPEG byte stream (rpicam-vid --codec mjpeg -o -, V4L2 MJPEG buffers) into
/// JPEGs by walking the marker structure: SOI, then length-prefixed segments (so a thumbnail with its
/// own SOI/EOI inside an APP1 segment does not end the frame), then after SOS the entropy-coded data,
/// in which 0xFF00 (stuffing) and 0xFFD0..D7 (restart markers) are data and any other marker resumes
/// the segment walk (progressive JPEGs have several scans); EOI ends the frame.
/// </summary>
public static class JpegScanner
{
    /// <summary>Looks for the first complete JPEG in <paramref name="data"/>.</summary>
    /// <param name="start">Offset of the first SOI (or, with NeedMoreData and no SOI, how many leading bytes can be dropped).</param>
    /// <param name="length">Length of the JPEG from <paramref name="start"/> when Complete.</param>
    public static JpegScanResult Scan(ReadOnlySpan<byte> data, out int start, out int length)
    {
        length = 0;
        start = IndexOfSoi(data);
        if (start < 0)
        {
            // Keep a trailing 0xFF: it may be the first half of an SOI.
            start = data.Length > 0 && data[^1] == 0xFF ? data.Length - 1 : data.Length;
            return JpegScanResult.NeedMoreData;
        }
        int i = start + 2;
        while (true)
        {
            if (i + 1 >= data.Length) return JpegScanResult.NeedMoreData;
            if (data[i] != 0xFF) return JpegScanResult.Corrupt;
            byte m = data[i + 1];
            if (m == 0xFF) { i++; continue; }                    // fill byte
            if (m == 0xD9) { length = i + 2 - start; return JpegScanResult.Complete; }
            if (m == 0xD8 || m == 0x00) return JpegScanResult.Corrupt;
            if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; } // standalone markers
            if (i + 3 >= data.Length) return JpegScanResult.NeedMoreData;
            int segment = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 2, 2));
            if (segment < 2) return JpegScanResult.Corrupt;
            i += 2 + segment;
            if (m != 0xDA) continue;
            // Entropy-coded data after SOS: find the next real marker.
            while (true)
            {
                int ff = i < data.Length ? data[i..].IndexOf((byte)0xFF) : -1;
                if (ff < 0) return JpegScanResult.NeedMoreData;
                i += ff;
                if (i + 1 >= data.Length) return JpegScanResult.NeedMoreData;
                byte n = data[i + 1];
                if (n == 0x00 || (n >= 0xD0 && n <= 0xD7)) { i += 2; continue; }
                if (n == 0xFF) { i++; continue; }
                break; // a marker: back to the segment walk (EOI ends the frame there)
            }
        }
    }

    /// <summary>Width and height from the first SOFn segment of a JPEG (no decoding).</summary>
    public static bool TryReadSize(ReadOnlySpan<byte> jpeg, out int width, out int height)
    {
        width = height = 0;
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return false;
        int i = 2;
        while (i + 3 < jpeg.Length)
        {
            if (jpeg[i] != 0xFF) return false;
            byte m = jpeg[i + 1];
            if (m == 0xFF) { i++; continue; }
            if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }
            if (m == 0xD9 || m == 0xDA) return false;
            int segment = BinaryPrimitives.ReadUInt16BigEndian(jpeg.Slice(i + 2, 2));
            bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
            if (sof)
            {
                if (i + 9 > jpeg.Length) return false;
                height = BinaryPrimitives.ReadUInt16BigEndian(jpeg.Slice(i + 5, 2));
                width = BinaryPrimitives.ReadUInt16BigEndian(jpeg.Slice(i + 7, 2));
                return width > 0 && height > 0;
            }
            i += 2 + segment;
        }
        return false;
    }

    private static int IndexOfSoi(ReadOnlySpan<byte> data)
    {
        int from = 0;
        while (true)
        {
            int ff = data[from..].IndexOf((byte)0xFF);
            if (ff < 0) return -1;
            int p = from + ff;
            if (p + 1 >= data.Length) return -1;
            if (data[p + 1] == 0xD8) return p;
            from = p + 1;
        }
    }
}
