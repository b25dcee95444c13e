// Qu8Qs8Gemm 4x8c4 on ARM64 NEON without the dot product (Cortex-A72): A bytes are used as int8
// (when A may exceed 127 they are a XOR 0x80 = a - 128, flipped by im2col or here in registers on
// the in-place 1x1 path, and the accumulators finally get Init = 128 * sum w over padded K back). Per pair of k-groups and row: SMULL (8 int8 x int8
// products to int16), SMLAL of the second k-group (|x*w| <= 128*127, two of them <= 32512: no int16
// overflow; this is why int8 weights exclude -128), SADALP into int32 lanes holding pair sums of
// two channels; 4 accumulators per row (n0n1, n2n3, n4n5, n6n7), reduced once with ADDP.
// Data layout and bounds: GemmMicrokernel.cs. No rounding here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace AQD.Edge.Kernels.Gemm;

internal sealed unsafe class Qu8Qs8Gemm4x8c4AdvSimd : GemmMicrokernel
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
        byte* a0 = a;
        byte* a1 = rows > 1 ? a0 + aStride : a0;
        byte* a2 = rows > 2 ? a1 + aStride : a1;
        byte* a3 = rows > 3 ? a2 + aStride : a2;
        var xa = Vector128.Create((byte)0x80).AsSByte();
        Vector128<int> r0a = default, r0b = default, r0c = default, r0d = default;
        Vector128<int> r1a = default, r1b = default, r1c = default, r1d = default;
        Vector128<int> r2a = default, r2b = default, r2c = default, r2d = default;
        Vector128<int> r3a = default, r3b = default, r3c = default, r3d = default;
        nint kEnd = (nint)p.KGroups * 4;
        nint k = 0;
        for (; k + 8 <= kEnd; k += 8, w += 64)
        {
            var wA0 = AdvSimd.LoadVector128((sbyte*)w);
            var wB0 = AdvSimd.LoadVector128((sbyte*)w + 16);
            var wA1 = AdvSimd.LoadVector128((sbyte*)w + 32);
            var wB1 = AdvSimd.LoadVector128((sbyte*)w + 48);
            Pair<TFlip>(ref r0a, ref r0b, ref r0c, ref r0d, a0 + k, xa, wA0, wB0, wA1, wB1);
            Pair<TFlip>(ref r1a, ref r1b, ref r1c, ref r1d, a1 + k, xa, wA0, wB0, wA1, wB1);
            Pair<TFlip>(ref r2a, ref r2b, ref r2c, ref r2d, a2 + k, xa, wA0, wB0, wA1, wB1);
            Pair<TFlip>(ref r3a, ref r3b, ref r3c, ref r3d, a3 + k, xa, wA0, wB0, wA1, wB1);
        }
        if (k < kEnd)
        {
            var wA = AdvSimd.LoadVector128((sbyte*)w);
            var wB = AdvSimd.LoadVector128((sbyte*)w + 16);
            Single<TFlip>(ref r0a, ref r0b, ref r0c, ref r0d, a0 + k, xa, wA, wB);
            Single<TFlip>(ref r1a, ref r1b, ref r1c, ref r1d, a1 + k, xa, wA, wB);
            Single<TFlip>(ref r2a, ref r2b, ref r2c, ref r2d, a2 + k, xa, wA, wB);
            Single<TFlip>(ref r3a, ref r3b, ref r3c, ref r3d, a3 + k, xa, wA, wB);
        }
        var i0 = p.XorA ? AdvSimd.LoadVector128(init) : Vector128<int>.Zero;
        var i1 = p.XorA ? AdvSimd.LoadVector128(init + 4) : Vector128<int>.Zero;
        ArmGemmStore.Row(c, i0, i1, r0a, r0b, r0c, r0d);
        if (rows > 1)
        {
            ArmGemmStore.Row(c + cStride, i0, i1, r1a, r1b, r1c, r1d);
            if (rows > 2)
            {
                ArmGemmStore.Row(c + 2 * cStride, i0, i1, r2a, r2b, r2c, r2d);
                if (rows > 3)
                {
                    ArmGemmStore.Row(c + 3 * cStride, i0, i1, r3a, r3b, r3c, r3d);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair<TFlip>(ref Vector128<int> n01, ref Vector128<int> n23, ref Vector128<int> n45, ref Vector128<int> n67,
        byte* a, Vector128<sbyte> xa, Vector128<sbyte> wA0, Vector128<sbyte> wB0, Vector128<sbyte> wA1, Vector128<sbyte> wB1)
        where TFlip : struct, IKernelFlag
    {
        var x0 = Vector128.Create(Unsafe.ReadUnaligned<int>(a)).AsSByte();
        var x1 = Vector128.Create(Unsafe.ReadUnaligned<int>(a + 4)).AsSByte();
        if (TFlip.Value)
        {
            x0 = AdvSimd.Xor(x0, xa);
            x1 = AdvSimd.Xor(x1, xa);
        }
        var lo0 = x0.GetLower();
        var lo1 = x1.GetLower();
        n01 = AdvSimd.AddPairwiseWideningAndAdd(n01,
            AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(lo0, wA0.GetLower()), lo1, wA1.GetLower()));
        n23 = AdvSimd.AddPairwiseWideningAndAdd(n23,
            AdvSimd.MultiplyWideningUpperAndAdd(AdvSimd.MultiplyWideningUpper(x0, wA0), x1, wA1));
        n45 = AdvSimd.AddPairwiseWideningAndAdd(n45,
            AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(lo0, wB0.GetLower()), lo1, wB1.GetLower()));
        n67 = AdvSimd.AddPairwiseWideningAndAdd(n67,
            AdvSimd.MultiplyWideningUpperAndAdd(AdvSimd.MultiplyWideningUpper(x0, wB0), x1, wB1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Single<TFlip>(ref Vector128<int> n01, ref Vector128<int> n23, ref Vector128<int> n45, ref Vector128<int> n67,
        byte* a, Vector128<sbyte> xa, Vector128<sbyte> wA, Vector128<sbyte> wB)
        where TFlip : struct, IKernelFlag
    {
        var x = Vector128.Create(Unsafe.ReadUnaligned<int>(a)).AsSByte();
        if (TFlip.Value)
        {
            x = AdvSimd.Xor(x, xa);
        }
        var lo = x.GetLower();
        n01 = AdvSimd.AddPairwiseWideningAndAdd(n01, AdvSimd.MultiplyWideningLower(lo, wA.GetLower()));
        n23 = AdvSimd.AddPairwiseWideningAndAdd(n23, AdvSimd.MultiplyWideningUpper(x, wA));
        n45 = AdvSimd.AddPairwiseWideningAndAdd(n45, AdvSimd.MultiplyWideningLower(lo, wB.GetLower()));
        n67 = AdvSimd.AddPairwiseWideningAndAdd(n67, AdvSimd.MultiplyWideningUpper(x, wB));
    }
}

internal static unsafe class ArmGemmStore
{
    /// <summary>Reduces pair-sum accumulators (n0n1, n2n3, n4n5, n6n7) with ADDP, adds init, stores 8 int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Row(int* c, Vector128<int> i0, Vector128<int> i1,
        Vector128<int> n01, Vector128<int> n23, Vector128<int> n45, Vector128<int> n67)
    {
        AdvSimd.Store(c, AdvSimd.Add(AdvSimd.Arm64.AddPairwise(n01, n23), i0));
        AdvSimd.Store(c + 4, AdvSimd.Add(AdvSimd.Arm64.AddPairwise(n45, n67), i1));
    }
}
