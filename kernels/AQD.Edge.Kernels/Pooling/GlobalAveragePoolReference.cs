// Global average pool, scalar reference twin. Layout: NHWC input [N][H][W][C], output [N][C];
// byte (uint8 / unsigned) or sbyte (int8) each side. Accumulator: int32 sum per channel plus
// Bias = -H*W*zpIn, |acc| <= H*W*255 < 2^31 (checked at preparation).
// Rounding: Requantization.Requantize with the prepared multiplier (which includes 1/(H*W)).
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Pooling;

internal static class GlobalAveragePoolReference
{
    public static void Run<TI, TO>(GlobalAveragePoolParams p, ReadOnlySpan<TI> input, Span<TO> output)
        where TI : unmanaged where TO : unmanaged
    {
        for (int n = 0; n < p.Batch; n++)
        {
            Channels(p, input, output, n, 0, p.Channels);
        }
    }

    /// <summary>Channels [c0, c1) of image n.</summary>
    internal static void Channels<TI, TO>(GlobalAveragePoolParams p, ReadOnlySpan<TI> input, Span<TO> output, int n, int c0, int c1)
        where TI : unmanaged where TO : unmanaged
    {
        int c = p.Channels, pixels = p.Height * p.Width;
        int image = n * pixels * c;
        for (int ch = c0; ch < c1; ch++)
        {
            int acc = p.Bias;
            for (int i = 0; i < pixels; i++)
            {
                acc += ElementIo.ToInt(input[image + i * c + ch]);
            }
            output[n * c + ch] = ElementIo.FromInt<TO>(Requantization.Requantize(acc, p.Multiplier, p.Range));
        }
    }
}
