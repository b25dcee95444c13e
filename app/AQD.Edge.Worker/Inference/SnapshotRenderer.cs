using AQD.Edge.Detection;
using AQD.Edge.Hardware.Frames;
using AQD.Edge.Worker.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Worker.Inference;

/// <summary>Snapshots: the frame with <see cref="DetectionRenderer"/>'s boxes and labels, as JPEG.
/// Runs only when an object appears (not per frame), so it may allocate.</summary>
public sealed class SnapshotRenderer(int quality = 80) : ISnapshotRenderer
{
    private readonly JpegEncoder _encoder = new() { Quality = quality };

    public byte[] RenderJpeg(ReadOnlySpan<byte> rgb24, int width, int height, int stride, ReadOnlySpan<ObjectDetection> objects)
    {
        using var image = stride == 3 * width
            ? Image.LoadPixelData<Rgb24>(FrameDecoder.FrameConfiguration, rgb24[..(3 * width * height)], width, height)
            : Packed(rgb24, width, height, stride);
        DetectionRenderer.Draw(image, objects.ToArray(), lineWidth: Math.Max(1, width / 320), textScale: Math.Max(1, width / 320));
        using var jpeg = new MemoryStream();
        image.Save(jpeg, _encoder);
        return jpeg.ToArray();
    }

    private static Image<Rgb24> Packed(ReadOnlySpan<byte> rgb24, int width, int height, int stride)
    {
        var packed = new byte[3 * width * height];
        for (int y = 0; y < height; y++) rgb24.Slice(y * stride, 3 * width).CopyTo(packed.AsSpan(3 * width * y));
        return Image.LoadPixelData<Rgb24>(FrameDecoder.FrameConfiguration, packed, width, height);
    }
}
