using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Hardware.Frames;

/// <summary>
/// Decodes a JPEG (or any format ImageSharp 2.1 reads) into a pooled Rgb24 frame.
/// Honest allocation note: the decoded pixels land in ImageSharp's pooled MemoryAllocator buffers
/// and are copied into the frame's preallocated buffer, so no new pixel buffer per frame; but
/// ImageSharp's decoder still allocates small per-image objects (the Image, decoder state,
/// metadata, Huffman tables: a few KB per JPEG).
/// </summary>
public static class JpegDecoder
{
    /// <summary>Decodes <paramref name="encoded"/> into a frame leased from <paramref name="pool"/>.</summary>
    public static Frame DecodeRgb24(ReadOnlySpan<byte> encoded, FramePool pool, Configuration? configuration = null)
    {
        using var image = Image.Load<Rgb24>(configuration ?? Configuration.Default, encoded);
        var frame = pool.RentRgb24(image.Width, image.Height);
        try
        {
            image.CopyPixelDataTo(frame.WritableData);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }
}
