// Where the original image lands in the model input, and the way back (integer only).
// The resized image occupies [X, X + Width) x [Y, Y + Height) of the model input (X, Y may be
// negative for center-crop, positive for letterbox, 0 for stretch):
//   stretch:     Width = inW, Height = inH, X = Y = 0
//   letterbox:   the limiting side fills the input, the other is round(side * scale) (half up,
//                at least 1), centred: X = (inW - Width) / 2 (floor)
//   center-crop: the other side covers the input (>= its size), centred: X = -((Width - inW) / 2)
// Back-mapping of a Q8 model-input coordinate q to whole original pixels:
//   x = round_half_up((q - X * 256) * origW / (Width * 256)), clamped to [0, origW] (64-bit, exact).
namespace AQD.Edge.Kernels.Detection;

/// <summary>The resize policies of the model metadata.</summary>
public enum ResizePolicy
{
    Stretch = 0,
    Letterbox = 1,
    CenterCrop = 2,
}

/// <summary>Placement of an original image of OriginalWidth x OriginalHeight inside the model input.</summary>
public readonly record struct ImagePlacement(int OriginalWidth, int OriginalHeight, int X, int Y, int Width, int Height)
{
    public static ImagePlacement Compute(ResizePolicy policy, int originalWidth, int originalHeight, int inputWidth, int inputHeight)
    {
        if (originalWidth < 1 || originalHeight < 1 || inputWidth < 1 || inputHeight < 1)
        {
            throw new ArgumentException($"image {originalWidth}x{originalHeight} and input {inputWidth}x{inputHeight} must be positive.");
        }
        if (policy == ResizePolicy.Stretch)
        {
            return new(originalWidth, originalHeight, 0, 0, inputWidth, inputHeight);
        }
        bool wider = (long)originalWidth * inputHeight >= (long)originalHeight * inputWidth;   // limited by width when letterboxing
        bool fitWidth = policy == ResizePolicy.Letterbox ? wider : !wider;
        int w, h;
        if (fitWidth)
        {
            w = inputWidth;
            h = (int)Math.Max(1, (2L * originalHeight * inputWidth + originalWidth) / (2L * originalWidth));
        }
        else
        {
            h = inputHeight;
            w = (int)Math.Max(1, (2L * originalWidth * inputHeight + originalHeight) / (2L * originalHeight));
        }
        int x = w <= inputWidth ? (inputWidth - w) / 2 : -((w - inputWidth) / 2);
        int y = h <= inputHeight ? (inputHeight - h) / 2 : -((h - inputHeight) / 2);
        return new(originalWidth, originalHeight, x, y, w, h);
    }

    /// <summary>Original-image x (whole pixels, clamped to [0, OriginalWidth]) of a Q8 model-input x.</summary>
    public int MapX(int q8) => Map(q8, X, Width, OriginalWidth);

    /// <summary>Original-image y (whole pixels, clamped to [0, OriginalHeight]) of a Q8 model-input y.</summary>
    public int MapY(int q8) => Map(q8, Y, Height, OriginalHeight);

    private static int Map(int q8, int offset, int placed, int original)
    {
        long num = ((long)q8 - ((long)offset << DetectionFixedPoint.CoordinateBits)) * original;
        if (num <= 0)
        {
            return 0;
        }
        long den = (long)placed << DetectionFixedPoint.CoordinateBits;
        return (int)Math.Min(original, (2 * num + den) / (2 * den));
    }
}
