// Global average pool, SIMD variants: 8 channels per step as int32 lanes (AdvSimd: two int32x4,
// Avx2: one int32x8), summed over all H*W pixels in registers, then Requant128 / Requant256 (the
// vector forms of THE rule) with the per-tensor multiplier. Layout, bounds: as the reference.
// Tail: the channels after the last full block are covered by one more block ending at the last
// channel (recomputed, idempotent); images with fewer than 8 channels use the scalar twin.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Pooling;

/// <summary>Sum-and-requantize of 8 channels on one ISA.</summary>
internal interface IGapBlock
{
    static abstract void Run<TI, TO>(GlobalAveragePoolParams p, ref TI first, int pixelStride, int pixels, ref TO output)
        where TI : unmanaged where TO : unmanaged;
}

internal readonly struct GapAdvSimd : IGapBlock
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TI, TO>(GlobalAveragePoolParams p, ref TI first, int pixelStride, int pixels, ref TO output)
        where TI : unmanaged where TO : unmanaged
    {
        Vector128<int> lo = Vector128.Create(p.Bias), hi = lo;
        for (int i = 0; i < pixels; i++)
        {
            ElementIo.Load8x128(ref Unsafe.Add(ref first, i * pixelStride), out var xl, out var xh);
            lo = AdvSimd.Add(lo, xl);
            hi = AdvSimd.Add(hi, xh);
        }
        var r = new Requant128(p.Multiplier.Multiplier, p.Multiplier.Shift, p.Range);
        ElementIo.Store8x128(ref output, r.Apply(lo), r.Apply(hi));
    }
}

internal readonly struct GapAvx2 : IGapBlock
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TI, TO>(GlobalAveragePoolParams p, ref TI first, int pixelStride, int pixels, ref TO output)
        where TI : unmanaged where TO : unmanaged
    {
        Vector256<int> acc = Vector256.Create(p.Bias);
        for (int i = 0; i < pixels; i++)
        {
            acc = Avx2.Add(acc, ElementIo.Load8x256(ref Unsafe.Add(ref first, i * pixelStride)));
        }
        var r = new Requant256(p.Multiplier.Multiplier, p.Multiplier.Shift, p.Range);
        ElementIo.Store8x256(ref output, r.Apply(acc));
    }
}

internal static class GlobalAveragePoolSimd
{
    private const int Block = 8;

    public static void Run<TI, TO, TBlock>(GlobalAveragePoolParams p, ReadOnlySpan<TI> input, Span<TO> output)
        where TI : unmanaged where TO : unmanaged where TBlock : struct, IGapBlock
    {
        int c = p.Channels, pixels = p.Height * p.Width;
        for (int n = 0; n < p.Batch; n++)
        {
            if (c < Block)
            {
                GlobalAveragePoolReference.Channels(p, input, output, n, 0, c);
                continue;
            }
            int image = n * pixels * c;
            for (int ch = 0; ; ch += Block)
            {
                if (ch > c - Block)
                {
                    ch = c - Block;
                }
                TBlock.Run(p, ref ElementIo.At(input, image + ch), c, pixels, ref ElementIo.At(output, n * c + ch));
                if (ch == c - Block)
                {
                    break;
                }
            }
        }
    }
}
