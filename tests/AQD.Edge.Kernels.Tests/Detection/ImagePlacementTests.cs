using AQD.Edge.Kernels.Detection;

namespace AQD.Edge.Kernels.Tests.Detection;

public class ImagePlacementTests
{
    [Fact]
    public void StretchMapsBackPerAxis()
    {
        var p = ImagePlacement.Compute(ResizePolicy.Stretch, 768, 576, 416, 416);
        Assert.Equal(new ImagePlacement(768, 576, 0, 0, 416, 416), p);
        var rng = new Random(3);
        for (int i = 0; i < 2000; i++)
        {
            int q = rng.Next(0, 416 * 256 + 1);
            Assert.Equal((int)Math.Round(q / 256.0 * 768 / 416, MidpointRounding.AwayFromZero), p.MapX(q));
            Assert.Equal((int)Math.Round(q / 256.0 * 576 / 416, MidpointRounding.AwayFromZero), p.MapY(q));
        }
        Assert.Equal(768, p.MapX(416 * 256));
    }

    [Theory]
    [InlineData(768, 576, 416, 416)]
    [InlineData(640, 424, 320, 320)]
    [InlineData(424, 640, 320, 256)]
    [InlineData(1352, 900, 512, 384)]
    [InlineData(100, 1, 64, 64)]
    public void LetterboxAndCenterCropMatchTheFloatGeometry(int w, int h, int iw, int ih)
    {
        foreach (var policy in new[] { ResizePolicy.Letterbox, ResizePolicy.CenterCrop })
        {
            var p = ImagePlacement.Compute(policy, w, h, iw, ih);
            double r = policy == ResizePolicy.Letterbox ? Math.Min((double)iw / w, (double)ih / h) : Math.Max((double)iw / w, (double)ih / h);
            Assert.InRange(p.Width - w * r, -0.51, 0.51);
            Assert.InRange(p.Height - h * r, -0.51, 0.51);
            Assert.InRange(p.X - (iw - p.Width) / 2.0, -0.5, 0.5);
            Assert.InRange(p.Y - (ih - p.Height) / 2.0, -0.5, 0.5);
            if (policy == ResizePolicy.Letterbox)
            {
                Assert.True(p.X >= 0 && p.Y >= 0 && p.Width <= iw && p.Height <= ih && (p.Width == iw || p.Height == ih));
            }
            else
            {
                Assert.True(p.X <= 0 && p.Y <= 0 && p.Width >= iw && p.Height >= ih && (p.Width == iw || p.Height == ih));
            }
            var rng = new Random(w + h);
            for (int i = 0; i < 500; i++)
            {
                int qx = rng.Next(0, iw * 256 + 1), qy = rng.Next(0, ih * 256 + 1);
                double fx = Math.Clamp((qx / 256.0 - p.X) * w / p.Width, 0, w), fy = Math.Clamp((qy / 256.0 - p.Y) * h / p.Height, 0, h);
                Assert.InRange(p.MapX(qx) - fx, -0.5, 0.5);
                Assert.InRange(p.MapY(qy) - fy, -0.5, 0.5);
            }
        }
    }

    [Fact]
    public void LetterboxPaddingMapsToTheImageEdge()
    {
        var p = ImagePlacement.Compute(ResizePolicy.Letterbox, 800, 400, 416, 416);
        Assert.Equal((0, 104, 416, 208), (p.X, p.Y, p.Width, p.Height));
        Assert.Equal(0, p.MapY(50 * 256));       // in the top padding
        Assert.Equal(400, p.MapY(400 * 256));    // in the bottom padding
        Assert.Equal(200, p.MapY(208 * 256));    // the middle
    }
}
