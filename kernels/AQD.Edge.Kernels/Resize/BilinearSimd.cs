// Bilinear resize, SIMD variants: 8 channels per step as int32 lanes (AdvSimd: two int32x4 with
// MUL/MLA; Avx2: one int32x8 with VPMULLD), same arithmetic and rounding as BilinearReference:
// top = w0x*p00 + w1x*p01, bottom = w0x*p10 + w1x*p11, (w0y*top + w1y*bottom + 2^21) >> 22.
// Layout, bounds: as the reference. Tail: the channels after the last full block are covered by
// one more block ending at the last channel (recomputed, idempotent); pixels with fewer than 8
// channels use the scalar twin.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Resize;

/// <summary>8 channels of one output pixel on one ISA.</summary>
internal interface IBilinearBlock
{
    static abstract void Run<T>(ref T top, ref T bottom, int xa, int xb, int wx0, int wx1, int wy0, int wy1, ref T output)
        where T : unmanaged;
}

internal readonly struct BilinearAdvSimd : IBilinearBlock
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<T>(ref T top, ref T bottom, int xa, int xb, int wx0, int wx1, int wy0, int wy1, ref T output)
        where T : unmanaged
    {
        Vector128<int> vx0 = Vector128.Create(wx0), vx1 = Vector128.Create(wx1);
        ElementIo.Load8x128(ref Unsafe.Add(ref top, xa), out var a0, out var a1);
        ElementIo.Load8x128(ref Unsafe.Add(ref top, xb), out var b0, out var b1);
        ElementIo.Load8x128(ref Unsafe.Add(ref bottom, xa), out var c0, out var c1);
        ElementIo.Load8x128(ref Unsafe.Add(ref bottom, xb), out var d0, out var d1);
        Vector128<int> t0 = AdvSimd.MultiplyAdd(AdvSimd.Multiply(a0, vx0), b0, vx1);
        Vector128<int> t1 = AdvSimd.MultiplyAdd(AdvSimd.Multiply(a1, vx0), b1, vx1);
        Vector128<int> u0 = AdvSimd.MultiplyAdd(AdvSimd.Multiply(c0, vx0), d0, vx1);
        Vector128<int> u1 = AdvSimd.MultiplyAdd(AdvSimd.Multiply(c1, vx0), d1, vx1);
        Vector128<int> vy0 = Vector128.Create(wy0), vy1 = Vector128.Create(wy1), round = Vector128.Create(BilinearReference.Round);
        Vector128<int> s0 = AdvSimd.MultiplyAdd(AdvSimd.MultiplyAdd(round, t0, vy0), u0, vy1);
        Vector128<int> s1 = AdvSimd.MultiplyAdd(AdvSimd.MultiplyAdd(round, t1, vy0), u1, vy1);
        ElementIo.Store8x128(ref output,
            AdvSimd.ShiftRightArithmetic(s0, BilinearReference.Shift),
            AdvSimd.ShiftRightArithmetic(s1, BilinearReference.Shift));
    }
}

internal readonly struct BilinearAvx2 : IBilinearBlock
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<T>(ref T top, ref T bottom, int xa, int xb, int wx0, int wx1, int wy0, int wy1, ref T output)
        where T : unmanaged
    {
        Vector256<int> vx0 = Vector256.Create(wx0), vx1 = Vector256.Create(wx1);
        Vector256<int> t = Avx2.Add(
            Avx2.MultiplyLow(ElementIo.Load8x256(ref Unsafe.Add(ref top, xa)), vx0),
            Avx2.MultiplyLow(ElementIo.Load8x256(ref Unsafe.Add(ref top, xb)), vx1));
        Vector256<int> u = Avx2.Add(
            Avx2.MultiplyLow(ElementIo.Load8x256(ref Unsafe.Add(ref bottom, xa)), vx0),
            Avx2.MultiplyLow(ElementIo.Load8x256(ref Unsafe.Add(ref bottom, xb)), vx1));
        Vector256<int> s = Avx2.Add(
            Avx2.Add(Avx2.MultiplyLow(t, Vector256.Create(wy0)), Avx2.MultiplyLow(u, Vector256.Create(wy1))),
            Vector256.Create(BilinearReference.Round));
        ElementIo.Store8x256(ref output, Avx2.ShiftRightArithmetic(s, BilinearReference.Shift));
    }
}

internal static class BilinearSimd
{
    private const int Block = 8;

    public static void Run<T, TBlock>(BilinearParams p, ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged where TBlock : struct, IBilinearBlock
    {
        int c = p.Channels;
        int o = 0;
        for (int n = 0; n < p.Batch; n++)
        {
            for (int oy = 0; oy < p.OutHeight; oy++)
            {
                ref T top = ref ElementIo.At(input, BilinearReference.Row(p, n, p.Y0[oy]));
                ref T bottom = ref ElementIo.At(input, BilinearReference.Row(p, n, p.Y1[oy]));
                int wy1 = p.WeightY[oy], wy0 = BilinearParams.One - wy1;
                for (int ox = 0; ox < p.OutWidth; ox++, o += c)
                {
                    if (c < Block)
                    {
                        BilinearReference.Pixel(p, input, output, n, oy, ox, 0, c, o);
                        continue;
                    }
                    int xa = p.X0[ox], xb = p.X1[ox];
                    int wx1 = p.WeightX[ox], wx0 = BilinearParams.One - wx1;
                    for (int ch = 0; ; ch += Block)
                    {
                        if (ch > c - Block)
                        {
                            ch = c - Block;
                        }
                        TBlock.Run(ref Unsafe.Add(ref top, ch), ref Unsafe.Add(ref bottom, ch), xa, xb, wx0, wx1, wy0, wy1,
                            ref ElementIo.At(output, o + ch));
                        if (ch == c - Block)
                        {
                            break;
                        }
                    }
                }
            }
        }
    }
}
