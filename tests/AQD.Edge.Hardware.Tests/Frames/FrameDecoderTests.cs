using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Tests.Support;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;

namespace AQD.Edge.Hardware.Tests.Frames;

public class FrameDecoderTests
{
    // Guards the NativeAOT fix: ImageSharp 2.1's EXIF reader fails under NativeAOT, so frame
    // decoding must not read metadata.
    [Fact]
    public void Frame_decoders_skip_metadata()
    {
        var managers = FrameDecoder.FrameConfiguration.ImageFormatsManager;
        Assert.True(Assert.IsType<JpegDecoder>(managers.FindDecoder(JpegFormat.Instance)).IgnoreMetadata);
        Assert.True(Assert.IsType<PngDecoder>(managers.FindDecoder(PngFormat.Instance)).IgnoreMetadata);
    }

    [Fact]
    public void Decodes_a_photo_with_exif_into_a_pooled_frame()
    {
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Images, "dog.jpg"));
        var pool = new FramePool(1, 3 * 768 * 576);
        using var frame = FrameDecoder.DecodeRgb24(bytes, pool);
        Assert.Equal((768, 576), (frame.Width, frame.Height));
        Assert.Equal(0, pool.Grown);
        Assert.Equal(0, pool.Resized);
    }
}
