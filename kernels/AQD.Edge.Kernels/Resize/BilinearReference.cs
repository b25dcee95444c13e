// Bilinear resize, scalar reference twin. Layout: NHWC [N][IH][IW][C] -> [N][OH][OW][C], byte
// (uint8 / unsigned) or sbyte (int8). Indices and weights from BilinearParams (F = 11).
// Accumulator: int32, |sum| < 2^30. Rounding: out = (sum + 2^(2F-1)) >> 2F (floor, ties up).
using System.Runtime.CompilerServices;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Resize;

internal static class BilinearReference
{
    public const int Shift = 2 * BilinearParams.FractionBits;
    public const int Round = 1 << (Shift - 1);

    public static void Run<T>(BilinearParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
    {
        int o = 0;
        for (int n = 0; n < p.Batch; n++)
        {
            for (int oy = 0; oy < p.OutHeight; oy++)
            {
                for (int ox = 0; ox < p.OutWidth; ox++, o += p.Channels)
                {
                    Pixel(p, input, output, n, oy, ox, 0, p.Channels, o);
                }
            }
        }
    }

    /// <summary>Image row offset (in elements) of input row y of image n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Row(BilinearParams p, int n, int y) => (n * p.InHeight + y) * p.InWidth * p.Channels;

    /// <summary>Channels [c0, c1) of output pixel (n, oy, ox) written at element o.</summary>
    internal static void Pixel<T>(BilinearParams p, ReadOnlySpan<T> input, Span<T> output, int n, int oy, int ox, int c0, int c1, int o)
        where T : unmanaged
    {
        int top = Row(p, n, p.Y0[oy]), bottom = Row(p, n, p.Y1[oy]);
        int xa = p.X0[ox], xb = p.X1[ox];
        int wx1 = p.WeightX[ox], wx0 = BilinearParams.One - wx1;
        int wy1 = p.WeightY[oy], wy0 = BilinearParams.One - wy1;
        for (int c = c0; c < c1; c++)
        {
            int t = wx0 * ElementIo.ToInt(input[top + xa + c]) + wx1 * ElementIo.ToInt(input[top + xb + c]);
            int b = wx0 * ElementIo.ToInt(input[bottom + xa + c]) + wx1 * ElementIo.ToInt(input[bottom + xb + c]);
            output[o + c] = ElementIo.FromInt<T>((wy0 * t + wy1 * b + Round) >> Shift);
        }
    }
}
