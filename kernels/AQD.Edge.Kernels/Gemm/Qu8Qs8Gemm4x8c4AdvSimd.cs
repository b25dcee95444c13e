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
        GemmRows.Rows4(a, aStride, rows, out byte* a0, out byte* a1, out byte* a2, out byte* a3);
        var xa = Vector64.Create((byte)0x80).AsSByte();
        Vector128<int> r0a = default, r0b = default, r0c = default, r0d = default;
        Vector128<int> r1a = default, r1b = default, r1c = default, r1d = default;
        Vector128<int> r2a = default, r2b = default, r2c = default, r2d = default;
        Vector128<int> r3a = default, r3b = default, r3c = default, r3d = default;
        nint kEnd = (nint)p.KGroups * 4;
        nint k = 0;
        for (; k + 8 <= kEnd; k += 8, w += 64)
        {
            var w0 = Load8x4(w);
            var w1 = Load8x4(w + 32);
            Pair<TFlip>(ref r0a, ref r0b, ref r0c, ref r0d, a0 + k, xa, w0, w1);
            Pair<TFlip>(ref r1a, ref r1b, ref r1c, ref r1d, a1 + k, xa, w0, w1);
            Pair<TFlip>(ref r2a, ref r2b, ref r2c, ref r2d, a2 + k, xa, w0, w1);
            Pair<TFlip>(ref r3a, ref r3b, ref r3c, ref r3d, a3 + k, xa, w0, w1);
        }
        if (k < kEnd)
        {
            var w0 = Load8x4(w);
            Single<TFlip>(ref r0a, ref r0b, ref r0c, ref r0d, a0 + k, xa, w0);
            Single<TFlip>(ref r1a, ref r1b, ref r1c, ref r1d, a1 + k, xa, w0);
            Single<TFlip>(ref r2a, ref r2b, ref r2c, ref r2d, a2 + k, xa, w0);
            Single<TFlip>(ref r3a, ref r3b, ref r3c, ref r3d, a3 + k, xa, w0);
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

    /// <summary>One k-group of the c4 tile as four 8-byte halves: channels n0n1, n2n3, n4n5, n6n7.</summary>
    private readonly struct Tile8x4(Vector64<sbyte> n01, Vector64<sbyte> n23, Vector64<sbyte> n45, Vector64<sbyte> n67)
    {
        public readonly Vector64<sbyte> N01 = n01, N23 = n23, N45 = n45, N67 = n67;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Tile8x4 Load8x4(byte* w)
        => new(AdvSimd.LoadVector64((sbyte*)w), AdvSimd.LoadVector64((sbyte*)w + 8),
               AdvSimd.LoadVector64((sbyte*)w + 16), AdvSimd.LoadVector64((sbyte*)w + 24));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector64<sbyte> LoadA<TFlip>(byte* a, Vector64<sbyte> xa) where TFlip : struct, IKernelFlag
    {
        var x = Vector64.Create(Unsafe.ReadUnaligned<int>(a)).AsSByte();
        return TFlip.Value ? AdvSimd.Xor(x, xa) : x;
    }

    // Two k-groups: SMULL of the first, SMLAL of the second (|sum| <= 2 * 128 * 127 fits int16), SADALP.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair<TFlip>(ref Vector128<int> n01, ref Vector128<int> n23, ref Vector128<int> n45, ref Vector128<int> n67,
        byte* a, Vector64<sbyte> xa, in Tile8x4 w0, in Tile8x4 w1)
        where TFlip : struct, IKernelFlag
    {
        var x0 = LoadA<TFlip>(a, xa);
        var x1 = LoadA<TFlip>(a + 4, xa);
        n01 = AdvSimd.AddPairwiseWideningAndAdd(n01, AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(x0, w0.N01), x1, w1.N01));
        n23 = AdvSimd.AddPairwiseWideningAndAdd(n23, AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(x0, w0.N23), x1, w1.N23));
        n45 = AdvSimd.AddPairwiseWideningAndAdd(n45, AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(x0, w0.N45), x1, w1.N45));
        n67 = AdvSimd.AddPairwiseWideningAndAdd(n67, AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLower(x0, w0.N67), x1, w1.N67));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Single<TFlip>(ref Vector128<int> n01, ref Vector128<int> n23, ref Vector128<int> n45, ref Vector128<int> n67,
        byte* a, Vector64<sbyte> xa, in Tile8x4 w0)
        where TFlip : struct, IKernelFlag
    {
        var x0 = LoadA<TFlip>(a, xa);
        n01 = AdvSimd.AddPairwiseWideningAndAdd(n01, AdvSimd.MultiplyWideningLower(x0, w0.N01));
        n23 = AdvSimd.AddPairwiseWideningAndAdd(n23, AdvSimd.MultiplyWideningLower(x0, w0.N23));
        n45 = AdvSimd.AddPairwiseWideningAndAdd(n45, AdvSimd.MultiplyWideningLower(x0, w0.N45));
        n67 = AdvSimd.AddPairwiseWideningAndAdd(n67, AdvSimd.MultiplyWideningLower(x0, w0.N67));
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
