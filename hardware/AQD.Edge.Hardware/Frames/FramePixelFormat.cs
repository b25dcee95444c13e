namespace AQD.Edge.Hardware.Frames;

/// <summary>Pixel layout of a <see cref="Frame"/>'s bytes.</summary>
public enum FramePixelFormat
{
    /// <summary>8-bit R, G, B interleaved, rows packed (stride = 3 * width). What detectors consume.</summary>
    Rgb24,
    /// <summary>Planar YUV 4:2:0 (Y plane w*h, then U and V planes (w/2)*(h/2)), as rpicam-vid --codec yuv420 writes.</summary>
    I420,
    /// <summary>Packed YUV 4:2:2 (Y0 U Y1 V per two pixels), as UVC webcams deliver.</summary>
    Yuyv,
    /// <summary>One complete JPEG (SOI..EOI), not decoded.</summary>
    Mjpeg,
}

/// <summary>Byte sizes of the raw forms.</summary>
public static class FramePixelFormats
{
    /// <summary>Bytes one frame of <paramref name="format"/> takes; -1 for the variable-size Mjpeg.</summary>
    public static long ByteCount(FramePixelFormat format, int width, int height) => format switch
    {
        FramePixelFormat.Rgb24 => 3L * width * height,
        FramePixelFormat.I420 => (long)width * height + 2L * ((width + 1) / 2) * ((height + 1) / 2),
        FramePixelFormat.Yuyv => 2L * ((width + 1) & ~1) * height,
        _ => -1,
    };
}
