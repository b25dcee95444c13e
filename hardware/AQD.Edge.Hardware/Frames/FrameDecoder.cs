using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Hardware.Frames;

/// <summary>
/// Decodes a JPEG (or any format ImageSharp 2.1 reads) into a pooled Rgb24 frame.
/// Honest allocation note: the decoded pixels land in ImageSharp's pooled MemoryAllocator buffers
/// and are copied into the frame's preallocated buffer, so no new pixel buffer per frame; but
/// ImageSharp's decoder still allocates small per-image objects (the Image, decoder state,
/// Huffman tables: a few KB per JPEG).
///
/// Metadata (EXIF, ICC, XMP) is ignored: frames need pixels only, it saves work, and ImageSharp
/// 2.1's EXIF reader parses enums through reflection (Enum.GetValues), which fails under NativeAOT
/// ("ExifDataType[] is missing native code") on any photo with an EXIF block. Consequence: EXIF
/// orientation is not applied (cameras do not write it; rotate photos beforehand if needed).
/// </summary>
public static class FrameDecoder
{
    /// <summary>ImageSharp configuration used for frames: the defaults, with JPEG and PNG decoders
    /// that skip metadata (see the class remarks).</summary>
    public static Configuration FrameConfiguration { get; } = CreateConfiguration();

    private static Configuration CreateConfiguration()
    {
        var configuration = Configuration.Default.Clone();
        configuration.ImageFormatsManager.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = true });
        configuration.ImageFormatsManager.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        return configuration;
    }

    /// <summary>Decodes <paramref name="encoded"/> into a frame leased from <paramref name="pool"/>.</summary>
    public static Frame DecodeRgb24(ReadOnlySpan<byte> encoded, FramePool pool, Configuration? configuration = null)
    {
        using var image = Image.Load<Rgb24>(configuration ?? FrameConfiguration, encoded);
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
