// Max pool, scalar reference twin. Layout: NHWC, input [N][H][W][C], output [N][OH][OW][C], same
// element type (byte = uint8/unsigned, sbyte = int8). Padded positions are skipped (never win);
// every window holds a real position (padding < window, checked at preparation).
// No accumulator, no rounding.
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Pooling;

internal static class MaxPoolReference
{
    public static void Run<T>(MaxPoolParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
    {
        var g = p.Geometry;
        int c = g.Channels;
        int o = 0;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++, o += c)
                {
                    g.Window(oy, ox, out int y0, out int y1, out int x0, out int x1);
                    Pixel(input, output, g, n, y0, y1, x0, x1, 0, c, o);
                }
            }
        }
    }

    /// <summary>Channels [c0, c1) of one output pixel starting at element <paramref name="o"/>.</summary>
    internal static void Pixel<T>(ReadOnlySpan<T> input, Span<T> output, PoolGeometry g, int n,
        int y0, int y1, int x0, int x1, int c0, int c1, int o) where T : unmanaged
    {
        for (int ch = c0; ch < c1; ch++)
        {
            int best = int.MinValue;
            for (int y = y0; y < y1; y++)
            {
                int row = ((n * g.InHeight + y) * g.InWidth) * g.Channels + ch;
                for (int x = x0; x < x1; x++)
                {
                    best = Math.Max(best, ElementIo.ToInt(input[row + x * g.Channels]));
                }
            }
            output[o + ch] = ElementIo.FromInt<T>(best);
        }
    }
}
