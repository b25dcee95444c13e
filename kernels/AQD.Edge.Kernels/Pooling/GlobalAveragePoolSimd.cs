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

/// <summary>Sum-and-requantize of 8 channels on one ISA; built once per run (vector constants hoisted).</summary>
internal interface IGapBlock<TSelf> where TSelf : struct, IGapBlock<TSelf>
{
    static abstract TSelf Create(GlobalAveragePoolParams p);

    void Run<TI, TO>(ref TI first, int pixelStride, int pixels, ref TO output) where TI : unmanaged where TO : unmanaged;
}

internal readonly struct GapAdvSimd : IGapBlock<GapAdvSimd>
{
    private readonly Vector128<int> bias;
    private readonly Requant128 requant;

    private GapAdvSimd(GlobalAveragePoolParams p)
    {
        bias = Vector128.Create(p.Bias);
        requant = new Requant128(p.Multiplier.Multiplier, p.Multiplier.Shift, p.Range);
    }

    public static GapAdvSimd Create(GlobalAveragePoolParams p) => new(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Run<TI, TO>(ref TI first, int pixelStride, int pixels, ref TO output) where TI : unmanaged where TO : unmanaged
    {
        Vector128<int> lo = bias, hi = bias;
        for (int i = 0; i < pixels; i++)
        {
            ElementIo.Load8x128(ref Unsafe.Add(ref first, i * pixelStride), out var xl, out var xh);
            lo = AdvSimd.Add(lo, xl);
            hi = AdvSimd.Add(hi, xh);
        }
        ElementIo.Store8x128(ref output, requant.Apply(lo), requant.Apply(hi));
    }
}

internal readonly struct GapAvx2 : IGapBlock<GapAvx2>
{
    private readonly Vector256<int> bias;
    private readonly Requant256 requant;

    private GapAvx2(GlobalAveragePoolParams p)
    {
        bias = Vector256.Create(p.Bias);
        requant = new Requant256(p.Multiplier.Multiplier, p.Multiplier.Shift, p.Range);
    }

    public static GapAvx2 Create(GlobalAveragePoolParams p) => new(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Run<TI, TO>(ref TI first, int pixelStride, int pixels, ref TO output) where TI : unmanaged where TO : unmanaged
    {
        Vector256<int> acc = bias;
        for (int i = 0; i < pixels; i++)
        {
            acc = Avx2.Add(acc, ElementIo.Load8x256(ref Unsafe.Add(ref first, i * pixelStride)));
        }
        ElementIo.Store8x256(ref output, requant.Apply(acc));
    }
}

internal static class GlobalAveragePoolSimd
{
    private const int Block = 8;

    public static void Run<TI, TO, TBlock>(GlobalAveragePoolParams p, ReadOnlySpan<TI> input, Span<TO> output)
        where TI : unmanaged where TO : unmanaged where TBlock : struct, IGapBlock<TBlock>
    {
        int c = p.Channels, pixels = p.Height * p.Width;
        var block = TBlock.Create(p);
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
                block.Run(ref ElementIo.At(input, image + ch), c, pixels, ref ElementIo.At(output, n * c + ch));
                if (ch == c - Block)
                {
                    break;
                }
            }
        }
    }
}
