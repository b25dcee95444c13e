using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Detection;

/// <summary>
/// Integer preprocessing of an RGB24 frame into the engine's uint8 input: bilinear resize with
/// half-pixel centres (the integer kernel of Kernels/Resize) to the placement the metadata's policy
/// gives (stretch, letterbox with the pad colour, center-crop), gray conversion for 1-channel models
/// ((77 R + 150 G + 29 B + 128) >> 8), then the DETC input tables (channel order, mean / std /
/// input quantization). Buffers are sized for the frame size of the last call, so a stream of
/// same-sized frames allocates nothing.
/// </summary>
internal sealed class FramePreprocessor
{
    private readonly int inputWidth, inputHeight;
    private readonly ResizePolicy policy;
    private readonly byte[] pad;
    private readonly InputQuantize quantize;
    private readonly byte[] canvas;
    private readonly byte[]? gray;
    private readonly BilinearVariant bilinear = BilinearKernels.Selected;
    private int frameWidth, frameHeight;
    private ImagePlacement placement;
    private BilinearParams? resize;
    private byte[] packed = [];
    private byte[] resized = [];

    public FramePreprocessor(int inputWidth, int inputHeight, ResizePolicy policy, ReadOnlySpan<int> padRgb, InputQuantize quantize)
    {
        this.inputWidth = inputWidth;
        this.inputHeight = inputHeight;
        this.policy = policy;
        this.quantize = quantize;
        pad = new byte[3];
        for (int c = 0; c < 3 && c < padRgb.Length; c++)
        {
            pad[c] = (byte)Math.Clamp(padRgb[c], 0, 255);
        }
        canvas = new byte[inputWidth * inputHeight * 3];
        gray = quantize.Channels == 1 ? new byte[inputWidth * inputHeight] : null;
    }

    /// <summary>Fills <paramref name="input"/> (h x w x C uint8) from the frame; returns where the frame landed.</summary>
    public ImagePlacement Run(ReadOnlySpan<byte> rgb24, int width, int height, int stride, Span<byte> input)
    {
        if (width < 1 || height < 1 || width > BilinearParams.MaxSize || height > BilinearParams.MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"frame {width}x{height}: sides must be in 1..{BilinearParams.MaxSize}.");
        }
        if (stride < width * 3 || rgb24.Length < (long)stride * (height - 1) + width * 3)
        {
            throw new ArgumentException($"frame {width}x{height} with stride {stride}: stride must be >= {width * 3} and the span ({rgb24.Length} bytes) must hold every row.", nameof(rgb24));
        }
        if (width != frameWidth || height != frameHeight)
        {
            Prepare(width, height);
        }
        ReadOnlySpan<byte> frame = rgb24;
        if (stride != width * 3)
        {
            for (int y = 0; y < height; y++)
            {
                rgb24.Slice(y * stride, width * 3).CopyTo(packed.AsSpan(y * width * 3));
            }
            frame = packed;
        }
        var target = policy == ResizePolicy.Stretch ? canvas.AsSpan() : resized.AsSpan();
        bilinear.Run(resize!, frame[..(width * height * 3)], target);
        if (policy != ResizePolicy.Stretch)
        {
            Compose();
        }
        if (gray is null)
        {
            quantize.Run(canvas, input);
        }
        else
        {
            for (int i = 0, j = 0; i < gray.Length; i++, j += 3)
            {
                gray[i] = (byte)((77 * canvas[j] + 150 * canvas[j + 1] + 29 * canvas[j + 2] + 128) >> 8);
            }
            quantize.Run(gray, input);
        }
        return placement;
    }

    private void Prepare(int width, int height)
    {
        placement = ImagePlacement.Compute(policy, width, height, inputWidth, inputHeight);
        resize = new BilinearParams(1, height, width, placement.Height, placement.Width, 3, ActivationFormat.UInt8(0), BilinearCoordinates.HalfPixel);
        packed = new byte[width * height * 3];
        resized = policy == ResizePolicy.Stretch ? [] : new byte[placement.Width * placement.Height * 3];
        frameWidth = width;
        frameHeight = height;
    }

    /// <summary>Places the resized image at (X, Y) of the canvas (clipping for center-crop), pad colour elsewhere.</summary>
    private void Compose()
    {
        var p = placement;
        int x0 = Math.Max(0, p.X), x1 = Math.Min(inputWidth, p.X + p.Width);
        for (int y = 0; y < inputHeight; y++)
        {
            var row = canvas.AsSpan(y * inputWidth * 3, inputWidth * 3);
            int sy = y - p.Y;
            if (sy < 0 || sy >= p.Height)
            {
                FillPad(row);
                continue;
            }
            FillPad(row[..(x0 * 3)]);
            resized.AsSpan((sy * p.Width + (x0 - p.X)) * 3, (x1 - x0) * 3).CopyTo(row[(x0 * 3)..]);
            FillPad(row[(x1 * 3)..]);
        }
    }

    private void FillPad(Span<byte> pixels)
    {
        for (int i = 0; i + 2 < pixels.Length; i += 3)
        {
            pixels[i] = pad[0];
            pixels[i + 1] = pad[1];
            pixels[i + 2] = pad[2];
        }
    }
}
