using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Onnx.Import;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// The tools' stretch (calibration, verify) is the device's: 2-tap bilinear with half-pixel centres. The
/// integer kernel (11-bit fixed-point coordinates and weights) and the tools' double version agree within
/// one level, up and down, on random pixels; a constant image stays constant.
/// </summary>
public class CalibrationResizeTests
{
    [Theory]
    [InlineData(37, 23, 416, 416)]
    [InlineData(768, 576, 416, 416)]
    [InlineData(50, 40, 13, 17)]
    public void StretchAgreesWithTheIntegerBilinearKernelWithinOneLevel(int w, int h, int width, int height)
    {
        var rng = new Random(w * 1000 + h);
        var src = new byte[w * h * 3];
        rng.NextBytes(src);
        var ours = CalibrationImages.StretchBilinear(src, w, h, 3, width, height);
        var device = new byte[ours.Length];
        BilinearKernels.Run<byte>(new BilinearParams(1, h, w, height, width, 3, ActivationFormat.UInt8(0), BilinearCoordinates.HalfPixel), src, device);
        int worst = 0, off = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            int d = Math.Abs(ours[i] - device[i]);
            worst = Math.Max(worst, d);
            off += d > 0 ? 1 : 0;
        }
        Assert.True(worst <= 1, $"{w}x{h} -> {width}x{height}: worst difference {worst}");
        Assert.True(off < ours.Length / 10, $"{off} of {ours.Length} values differ");

        var flat = Enumerable.Repeat((byte)77, w * h * 3).ToArray();
        Assert.All(CalibrationImages.StretchBilinear(flat, w, h, 3, width, height), v => Assert.Equal(77, v));
    }
}
