using AQD.Edge.Hardware.Frames;

namespace AQD.Edge.Hardware.Tests.Frames;

public class YuvToRgbTests
{
    // The documented integer rule, written out independently of the library.
    private static (int R, int G, int B) IntegerReference(int y, int u, int v, YuvRange range)
    {
        (int y0, int cy, int crv, int cgu, int cgv, int cbu) = range == YuvRange.Limited
            ? (16, 76309, 104597, 25675, 53279, 132201)
            : (0, 65536, 91881, 22554, 46802, 116130);
        int c = cy * (y - y0), d = u - 128, e = v - 128;
        static int Clip(int x) => x < 0 ? 0 : x > 255 ? 255 : x;
        return (Clip((c + crv * e + 32768) >> 16), Clip((c - cgu * d - cgv * e + 32768) >> 16), Clip((c + cbu * d + 32768) >> 16));
    }

    // BT.601 in floating point (Kr = 0.299, Kb = 0.114).
    private static (int R, int G, int B) FloatReference(int y, int u, int v, YuvRange range)
    {
        double yy, d, e;
        if (range == YuvRange.Limited) { yy = (y - 16) * 255.0 / 219.0; d = (u - 128) * 255.0 / 224.0; e = (v - 128) * 255.0 / 224.0; }
        else { yy = y; d = u - 128; e = v - 128; }
        double r = yy + 1.402 * e, g = yy - 0.344136 * d - 0.714136 * e, b = yy + 1.772 * d;
        static int Clip(double x) => (int)Math.Clamp(Math.Round(x, MidpointRounding.AwayFromZero), 0, 255);
        return (Clip(r), Clip(g), Clip(b));
    }

    [Theory]
    [InlineData(YuvRange.Limited)]
    [InlineData(YuvRange.Full)]
    public void Pixel_matches_integer_rule_exactly_and_float_bt601_within_one(YuvRange range)
    {
        int maxDiff = 0;
        for (int y = 0; y < 256; y += 3)
        for (int u = 0; u < 256; u += 5)
        for (int v = 0; v < 256; v += 5)
        {
            var p = YuvToRgb.Pixel(y, u, v, range);
            var i = IntegerReference(y, u, v, range);
            Assert.True(p.R == i.R && p.G == i.G && p.B == i.B, $"YUV({y},{u},{v}) {range}: got {p}, integer rule {i}");
            var f = FloatReference(y, u, v, range);
            maxDiff = Math.Max(maxDiff, Math.Max(Math.Abs(p.R - f.R), Math.Max(Math.Abs(p.G - f.G), Math.Abs(p.B - f.B))));
        }
        Assert.True(maxDiff <= 1, $"max difference to float BT.601 is {maxDiff}");
    }

    [Theory]
    [InlineData(16, 12)]
    [InlineData(7, 5)]   // odd sizes: chroma planes of ceil(w/2) x ceil(h/2)
    [InlineData(1, 1)]
    public void I420_matches_reference_bit_exactly(int w, int h)
    {
        var rnd = new Random(42 + w * 100 + h);
        int cw = (w + 1) / 2, ch = (h + 1) / 2;
        var i420 = new byte[w * h + 2 * cw * ch];
        rnd.NextBytes(i420);
        foreach (var range in new[] { YuvRange.Limited, YuvRange.Full })
        {
            var rgb = new byte[3 * w * h];
            YuvToRgb.I420ToRgb24(i420, w, h, rgb, range);
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int u = i420[w * h + (y / 2) * cw + x / 2], v = i420[w * h + cw * ch + (y / 2) * cw + x / 2];
                var e = IntegerReference(i420[y * w + x], u, v, range);
                int o = 3 * (y * w + x);
                Assert.True(rgb[o] == e.R && rgb[o + 1] == e.G && rgb[o + 2] == e.B, $"{range} ({x},{y}) of {w}x{h}: got ({rgb[o]},{rgb[o + 1]},{rgb[o + 2]}), expected {e}");
            }
        }
    }

    [Theory]
    [InlineData(16, 4)]
    [InlineData(9, 3)]   // odd width: rows padded to an even pixel count
    public void Yuyv_matches_reference_bit_exactly(int w, int h)
    {
        var rnd = new Random(7 + w);
        int stride = ((w + 1) & ~1) * 2;
        var yuyv = new byte[stride * h];
        rnd.NextBytes(yuyv);
        var rgb = new byte[3 * w * h];
        YuvToRgb.YuyvToRgb24(yuyv, w, h, rgb);
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int pair = y * stride + (x / 2) * 4;
            var e = IntegerReference(yuyv[pair + (x % 2) * 2], yuyv[pair + 1], yuyv[pair + 3], YuvRange.Limited);
            int o = 3 * (y * w + x);
            Assert.True(rgb[o] == e.R && rgb[o + 1] == e.G && rgb[o + 2] == e.B, $"({x},{y}): got ({rgb[o]},{rgb[o + 1]},{rgb[o + 2]}), expected {e}");
        }
    }

    [Fact]
    public void Known_colours()
    {
        Assert.Equal(((byte)0, (byte)0, (byte)0), YuvToRgb.Pixel(16, 128, 128, YuvRange.Limited));
        Assert.Equal(((byte)255, (byte)255, (byte)255), YuvToRgb.Pixel(235, 128, 128, YuvRange.Limited));
        Assert.Equal(((byte)128, (byte)128, (byte)128), YuvToRgb.Pixel(128, 128, 128, YuvRange.Full));
    }

    [Fact]
    public void Short_buffers_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => YuvToRgb.I420ToRgb24(new byte[10], 4, 4, new byte[48]));
        Assert.Throws<ArgumentException>(() => YuvToRgb.YuyvToRgb24(new byte[32], 4, 4, new byte[47]));
    }
}
