// Qu8Qs8Gemm 4x8c4 on ARM64 NEON with the dot product (Cortex-A76+): SDOT int8 x int8 -> int32.
// A bytes are used as int8; when A may exceed 127 they are a XOR 0x80 = a - 128 (flipped by im2col,
// or here in registers on the in-place 1x1 path) and the accumulators start from Init = 128 * sum w
// over padded K (int32 wrap-around keeps this exact).
// Main loop: 4 k-groups per step, 16 bytes of A per row in one load, 8 weight vectors (n0-3 and
// n4-7 for each k-group) and 32 SDOT-by-element (lane = k-group) into 2 accumulators per row
// (8 in all); K tail (fewer than 4 k-groups): 4-byte A broadcasts and plain SDOT.
// Data layout and bounds: GemmMicrokernel.cs. No rounding here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace AQD.Edge.Kernels.Gemm;

internal sealed unsafe class Qu8Qs8Gemm4x8c4AdvSimdDp : GemmMicrokernel
{
    public override int MR => 4;

    public override bool SignedA => true;

    public override void Run(in GemmParams p, int rows, byte* a, nint aStride, byte* w, int* c, nint cStride, int* init)
    {
        if (p.FlipInKernel)
        {
            Run<FlagOn>(p, rows, a, aStride, w, c, cStride, init);
        }
        else
        {
            Run<FlagOff>(p, rows, a, aStride, w, c, cStride, init);
        }
    }

    private static void Run<TFlip>(in GemmParams p, int rows, byte* a, nint aStride, byte* w, int* c, nint cStride, int* init)
        where TFlip : struct, IKernelFlag
    {
        GemmRows.Rows4(a, aStride, rows, out byte* a0, out byte* a1, out byte* a2, out byte* a3);
        var xa = Vector128.Create((byte)0x80).AsSByte();
        var i0 = p.XorA ? AdvSimd.LoadVector128(init) : Vector128<int>.Zero;
        var i1 = p.XorA ? AdvSimd.LoadVector128(init + 4) : Vector128<int>.Zero;
        Vector128<int> r0l = i0, r0h = i1, r1l = i0, r1h = i1, r2l = i0, r2h = i1, r3l = i0, r3h = i1;
        nint kEnd = (nint)p.KGroups * 4;
        nint k = 0;
        for (; k + 16 <= kEnd; k += 16, w += 128)
        {
            sbyte* ws = (sbyte*)w;
            var w0l = AdvSimd.LoadVector128(ws);
            var w0h = AdvSimd.LoadVector128(ws + 16);
            var w1l = AdvSimd.LoadVector128(ws + 32);
            var w1h = AdvSimd.LoadVector128(ws + 48);
            var w2l = AdvSimd.LoadVector128(ws + 64);
            var w2h = AdvSimd.LoadVector128(ws + 80);
            var w3l = AdvSimd.LoadVector128(ws + 96);
            var w3h = AdvSimd.LoadVector128(ws + 112);
            Step4<TFlip>(ref r0l, ref r0h, a0 + k, xa, w0l, w0h, w1l, w1h, w2l, w2h, w3l, w3h);
            Step4<TFlip>(ref r1l, ref r1h, a1 + k, xa, w0l, w0h, w1l, w1h, w2l, w2h, w3l, w3h);
            Step4<TFlip>(ref r2l, ref r2h, a2 + k, xa, w0l, w0h, w1l, w1h, w2l, w2h, w3l, w3h);
            Step4<TFlip>(ref r3l, ref r3h, a3 + k, xa, w0l, w0h, w1l, w1h, w2l, w2h, w3l, w3h);
        }
        for (; k < kEnd; k += 4, w += 32)
        {
            var wl = AdvSimd.LoadVector128((sbyte*)w);
            var wh = AdvSimd.LoadVector128((sbyte*)w + 16);
            Step1<TFlip>(ref r0l, ref r0h, a0 + k, xa, wl, wh);
            Step1<TFlip>(ref r1l, ref r1h, a1 + k, xa, wl, wh);
            Step1<TFlip>(ref r2l, ref r2h, a2 + k, xa, wl, wh);
            Step1<TFlip>(ref r3l, ref r3h, a3 + k, xa, wl, wh);
        }
        AdvSimd.Store(c, r0l);
        AdvSimd.Store(c + 4, r0h);
        if (rows > 1)
        {
            AdvSimd.Store(c + cStride, r1l);
            AdvSimd.Store(c + cStride + 4, r1h);
            if (rows > 2)
            {
                AdvSimd.Store(c + 2 * cStride, r2l);
                AdvSimd.Store(c + 2 * cStride + 4, r2h);
                if (rows > 3)
                {
                    AdvSimd.Store(c + 3 * cStride, r3l);
                    AdvSimd.Store(c + 3 * cStride + 4, r3h);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step4<TFlip>(ref Vector128<int> lo, ref Vector128<int> hi, byte* a, Vector128<sbyte> xa,
        Vector128<sbyte> w0l, Vector128<sbyte> w0h, Vector128<sbyte> w1l, Vector128<sbyte> w1h,
        Vector128<sbyte> w2l, Vector128<sbyte> w2h, Vector128<sbyte> w3l, Vector128<sbyte> w3h)
        where TFlip : struct, IKernelFlag
    {
        var x = AdvSimd.LoadVector128((sbyte*)a);
        if (TFlip.Value)
        {
            x = AdvSimd.Xor(x, xa);
        }
        lo = Dp.DotProductBySelectedQuadruplet(lo, w0l, x, 0);
        hi = Dp.DotProductBySelectedQuadruplet(hi, w0h, x, 0);
        lo = Dp.DotProductBySelectedQuadruplet(lo, w1l, x, 1);
        hi = Dp.DotProductBySelectedQuadruplet(hi, w1h, x, 1);
        lo = Dp.DotProductBySelectedQuadruplet(lo, w2l, x, 2);
        hi = Dp.DotProductBySelectedQuadruplet(hi, w2h, x, 2);
        lo = Dp.DotProductBySelectedQuadruplet(lo, w3l, x, 3);
        hi = Dp.DotProductBySelectedQuadruplet(hi, w3h, x, 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step1<TFlip>(ref Vector128<int> lo, ref Vector128<int> hi, byte* a, Vector128<sbyte> xa,
        Vector128<sbyte> wl, Vector128<sbyte> wh)
        where TFlip : struct, IKernelFlag
    {
        var x = Vector128.Create(Unsafe.ReadUnaligned<int>(a)).AsSByte();
        if (TFlip.Value)
        {
            x = AdvSimd.Xor(x, xa);
        }
        lo = Dp.DotProduct(lo, wl, x);
        hi = Dp.DotProduct(hi, wh, x);
    }
}
