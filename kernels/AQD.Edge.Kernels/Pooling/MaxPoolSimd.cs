// Max pool, SIMD variants (AdvSimd: 16 lanes of Vector128; Avx2: 32 lanes of Vector256) sharing one
// loop skeleton. Layout: NHWC as MaxPoolReference; vectors run along channels of one output pixel,
// max over the window's valid positions (padded positions skipped, so they never win).
// Tail: channels past the last full vector are covered by one more vector ending at the last
// channel (overlap recomputes the same maxima, idempotent); pixels with fewer channels than one
// vector use the scalar twin's pixel loop. No accumulator, no rounding.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Pooling;

/// <summary>Lane-wise max on one vector width.</summary>
internal interface IMaxVector<TVec> where TVec : struct
{
    static abstract int Lanes { get; }
    static abstract TVec Load<T>(ref T p) where T : unmanaged;
    static abstract void Store<T>(ref T p, TVec v) where T : unmanaged;
    static abstract TVec Max<T>(TVec a, TVec b) where T : unmanaged;
}

internal readonly struct MaxAdvSimd : IMaxVector<Vector128<byte>>
{
    public static int Lanes => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Load<T>(ref T p) where T : unmanaged => Vector128.LoadUnsafe(ref Unsafe.As<T, byte>(ref p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(ref T p, Vector128<byte> v) where T : unmanaged => v.StoreUnsafe(ref Unsafe.As<T, byte>(ref p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Max<T>(Vector128<byte> a, Vector128<byte> b) where T : unmanaged
        => typeof(T) == typeof(sbyte) ? AdvSimd.Max(a.AsSByte(), b.AsSByte()).AsByte() : AdvSimd.Max(a, b);
}

internal readonly struct MaxAvx2 : IMaxVector<Vector256<byte>>
{
    public static int Lanes => 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load<T>(ref T p) where T : unmanaged => Vector256.LoadUnsafe(ref Unsafe.As<T, byte>(ref p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(ref T p, Vector256<byte> v) where T : unmanaged => v.StoreUnsafe(ref Unsafe.As<T, byte>(ref p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Max<T>(Vector256<byte> a, Vector256<byte> b) where T : unmanaged
        => typeof(T) == typeof(sbyte) ? Avx2.Max(a.AsSByte(), b.AsSByte()).AsByte() : Avx2.Max(a, b);
}

internal static class MaxPoolSimd
{
    public static void Run<T, TVec, TOp>(MaxPoolParams p, ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged where TVec : struct where TOp : struct, IMaxVector<TVec>
    {
        var g = p.Geometry;
        int c = g.Channels, lanes = TOp.Lanes;
        int rowStride = g.InWidth * c;
        int o = 0;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++, o += c)
                {
                    g.Window(oy, ox, out int y0, out int y1, out int x0, out int x1);
                    if (c < lanes)
                    {
                        MaxPoolReference.Pixel(input, output, g, n, y0, y1, x0, x1, 0, c, o);
                        continue;
                    }
                    int first = ((n * g.InHeight + y0) * g.InWidth + x0) * c;
                    for (int ch = 0; ; ch += lanes)
                    {
                        if (ch > c - lanes)
                        {
                            ch = c - lanes;
                        }
                        ref T start = ref ElementIo.At(input, first + ch);
                        TVec best = TOp.Load(ref start);
                        for (int y = 0; y < y1 - y0; y++)
                        {
                            ref T row = ref Unsafe.Add(ref start, y * rowStride);
                            for (int x = 0; x < x1 - x0; x++)
                            {
                                best = TOp.Max<T>(best, TOp.Load(ref Unsafe.Add(ref row, x * c)));
                            }
                        }
                        TOp.Store(ref ElementIo.At(output, o + ch), best);
                        if (ch == c - lanes)
                        {
                            break;
                        }
                    }
                }
            }
        }
    }
}
