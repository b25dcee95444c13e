using AQD.Edge.Hardware.Sources;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Hardware.Tests.Support;

/// <summary>Small real JPEGs made from the test pattern.</summary>
internal static class TestJpegs
{
    public static byte[] Pattern(long sequence, int width = 96, int height = 64, int quality = 90)
    {
        var rgb = new byte[3 * width * height];
        TestPatternFrameSource.Render(sequence, 3, width, height, rgb);
        using var image = Image.LoadPixelData<Rgb24>(rgb, width, height);
        using var ms = new MemoryStream();
        image.Save(ms, new JpegEncoder { Quality = quality });
        return ms.ToArray();
    }

    /// <summary>Mean absolute difference of two equal-length byte buffers.</summary>
    public static double MeanAbsDiff(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.Equal(a.Length, b.Length);
        long sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return (double)sum / a.Length;
    }
}
