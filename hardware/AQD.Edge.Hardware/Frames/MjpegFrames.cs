namespace AQD.Edge.Hardware.Frames;

/// <summary>Turns one JPEG of an MJPEG stream into a pooled frame (shared by rpicam-vid and V4L2).</summary>
public static class MjpegFrames
{
    /// <summary>
    /// Decodes to Rgb24 (<paramref name="decode"/>) or copies the JPEG as an Mjpeg frame sized from its
    /// SOF header. Returns null with <paramref name="error"/> set for a JPEG that cannot be used;
    /// never throws for bad data.
    /// </summary>
    public static Frame? ToFrame(ReadOnlySpan<byte> jpeg, bool decode, FramePool pool, out string? error)
    {
        error = null;
        if (!decode)
        {
            if (!JpegScanner.TryReadSize(jpeg, out int w, out int h))
            {
                error = "JPEG without a frame header";
                return null;
            }
            var raw = pool.Rent(w, h, FramePixelFormat.Mjpeg, jpeg.Length);
            jpeg.CopyTo(raw.WritableData);
            return raw;
        }
        try
        {
            return FrameDecoder.DecodeRgb24(jpeg, pool);
        }
        catch (Exception ex) when (ex is SixLabors.ImageSharp.ImageFormatException or SixLabors.ImageSharp.UnknownImageFormatException
                                       or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            error = "JPEG decode failed: " + ex.Message;
            return null;
        }
    }
}
