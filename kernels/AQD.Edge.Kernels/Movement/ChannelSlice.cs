// Channel slice of an NHWC tensor: output pixel p holds input channels [First, First + Width) of
// input pixel p (the same N, H, W). Pure data movement (Span.CopyTo of each pixel's run, which the
// runtime vectorizes), so there is no SIMD twin and no variant list: this one implementation is
// both reference and production path. Any unmanaged element type (byte, sbyte, short). No
// arithmetic, no rounding.
namespace AQD.Edge.Kernels.Movement;

/// <summary>Validated shape of one channel slice.</summary>
public sealed class ChannelSliceParams
{
    /// <param name="pixels">N * H * W.</param>
    /// <param name="inputChannels">Channels of the input.</param>
    /// <param name="first">First channel of the slice.</param>
    /// <param name="width">Channels of the slice (the output's channels).</param>
    public ChannelSliceParams(int pixels, int inputChannels, int first, int width)
    {
        if (pixels < 0)
        {
            throw new ArgumentException($"ChannelSlice: pixels = {pixels} must be non-negative.", nameof(pixels));
        }
        if (inputChannels <= 0 || first < 0 || width <= 0 || (long)first + width > inputChannels)
        {
            throw new ArgumentException($"ChannelSlice: channels [{first}, +{width}) must be a non-empty range inside the {inputChannels} input channels.", nameof(first));
        }
        if ((long)pixels * inputChannels > int.MaxValue)
        {
            throw new ArgumentException($"ChannelSlice: input of {pixels} x {inputChannels} elements exceeds 2^31 - 1.", nameof(pixels));
        }
        Pixels = pixels;
        InputChannels = inputChannels;
        First = first;
        Width = width;
    }

    public int Pixels { get; }
    public int InputChannels { get; }
    public int First { get; }
    public int Width { get; }
}

/// <summary>Channel slice (pure copy).</summary>
public static class ChannelSlice
{
    public static void Run<T>(ChannelSliceParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
    {
        int c = p.InputChannels, w = p.Width;
        if (input.Length < p.Pixels * c || output.Length < p.Pixels * w)
        {
            throw new ArgumentException($"ChannelSlice: spans of {input.Length} and {output.Length} elements for {p.Pixels} pixels x {c} / {w} channels.");
        }
        if (p.Pixels == 0)
        {
            return;
        }
        if (w == c)
        {
            input.Slice(0, p.Pixels * c).CopyTo(output);
            return;
        }
        ReadOnlySpan<T> src = input.Slice(p.First);
        for (int px = 0; px < p.Pixels; px++)
        {
            src.Slice(px * c, w).CopyTo(output.Slice(px * w, w));
        }
    }
}
