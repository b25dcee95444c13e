using System.Runtime.CompilerServices;

namespace AQD.Edge.Hardware.Frames;

/// <summary>
/// Integer-only BT.601 YUV -> RGB24 conversion (no floating point; bit-exact on every CPU).
///
/// Rule, with 16-bit fixed-point coefficients (c = round(real * 65536)) and d = U - 128, e = V - 128:
///   R = clamp((CY * (Y - Y0) + CRV * e           + 32768) >> 16)
///   G = clamp((CY * (Y - Y0) - CGU * d - CGV * e + 32768) >> 16)
///   B = clamp((CY * (Y - Y0) + CBU * d           + 32768) >> 16)
/// (">>" is the arithmetic shift, i.e. floor; clamp to 0..255.)
/// Limited range: Y0 = 16, CY = 76309 (255/219), CRV = 104597, CGU = 25675, CGV = 53279, CBU = 132201.
/// Full range:    Y0 = 0,  CY = 65536,            CRV = 91881,  CGU = 22554, CGV = 46802, CBU = 116130.
/// Largest intermediate |CY*239| + |CBU*128| &lt; 2^25: no overflow. Within 1 of the float formula.
/// Chroma is used at its own position (nearest, no interpolation), like libcamera's and ffmpeg's
/// default fast paths.
/// </summary>
public static class YuvToRgb
{
    internal readonly record struct Coefficients(int Y0, int Cy, int Crv, int Cgu, int Cgv, int Cbu);

    internal static readonly Coefficients LimitedCoefficients = new(16, 76309, 104597, 25675, 53279, 132201);
    internal static readonly Coefficients FullCoefficients = new(0, 65536, 91881, 22554, 46802, 116130);

    internal static Coefficients For(YuvRange range) => range == YuvRange.Full ? FullCoefficients : LimitedCoefficients;

    /// <summary>One pixel, the reference form of the rule.</summary>
    public static (byte R, byte G, byte B) Pixel(int y, int u, int v, YuvRange range)
    {
        var c = For(range);
        int yy = c.Cy * (y - c.Y0) + 32768, d = u - 128, e = v - 128;
        return (Clamp((yy + c.Crv * e) >> 16), Clamp((yy - c.Cgu * d - c.Cgv * e) >> 16), Clamp((yy + c.Cbu * d) >> 16));
    }

    /// <summary>
    /// I420 (Y plane, then U and V planes of ceil(w/2) x ceil(h/2)) to packed RGB24.
    /// </summary>
    public static void I420ToRgb24(ReadOnlySpan<byte> i420, int width, int height, Span<byte> rgb, YuvRange range = YuvRange.Limited)
    {
        int cw = (width + 1) / 2, ch = (height + 1) / 2;
        int ySize = width * height, cSize = cw * ch;
        if (i420.Length < ySize + 2 * cSize) throw new ArgumentException($"I420 {width}x{height} needs {ySize + 2 * cSize} bytes, got {i420.Length}.", nameof(i420));
        if (rgb.Length < 3 * ySize) throw new ArgumentException($"RGB24 {width}x{height} needs {3 * ySize} bytes, got {rgb.Length}.", nameof(rgb));
        var c = For(range);
        var yPlane = i420[..ySize];
        var uPlane = i420.Slice(ySize, cSize);
        var vPlane = i420.Slice(ySize + cSize, cSize);
        for (int row = 0; row < height; row++)
        {
            var yRow = yPlane.Slice(row * width, width);
            var uRow = uPlane.Slice((row >> 1) * cw, cw);
            var vRow = vPlane.Slice((row >> 1) * cw, cw);
            var outRow = rgb.Slice(row * width * 3, width * 3);
            for (int x = 0; x < width; x++)
                Store(outRow.Slice(3 * x, 3), yRow[x], uRow[x >> 1], vRow[x >> 1], c);
        }
    }

    /// <summary>YUYV (Y0 U Y1 V for each pixel pair; rows of 2*ceil(w/2)*2 bytes) to packed RGB24.</summary>
    public static void YuyvToRgb24(ReadOnlySpan<byte> yuyv, int width, int height, Span<byte> rgb, YuvRange range = YuvRange.Limited)
    {
        int stride = ((width + 1) & ~1) * 2;
        if (yuyv.Length < stride * height) throw new ArgumentException($"YUYV {width}x{height} needs {stride * height} bytes, got {yuyv.Length}.", nameof(yuyv));
        if (rgb.Length < 3 * width * height) throw new ArgumentException($"RGB24 {width}x{height} needs {3 * width * height} bytes, got {rgb.Length}.", nameof(rgb));
        var c = For(range);
        for (int row = 0; row < height; row++)
        {
            var inRow = yuyv.Slice(row * stride, stride);
            var outRow = rgb.Slice(row * width * 3, width * 3);
            for (int x = 0; x < width; x++)
            {
                int pair = (x >> 1) * 4;
                Store(outRow.Slice(3 * x, 3), inRow[pair + ((x & 1) << 1)], inRow[pair + 1], inRow[pair + 3], c);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Span<byte> dst, int y, int u, int v, in Coefficients c)
    {
        int yy = c.Cy * (y - c.Y0) + 32768, d = u - 128, e = v - 128;
        dst[2] = Clamp((yy + c.Cbu * d) >> 16);
        dst[1] = Clamp((yy - c.Cgu * d - c.Cgv * e) >> 16);
        dst[0] = Clamp((yy + c.Crv * e) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
