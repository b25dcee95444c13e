// Qu8Qs8Gemm 4x8c4 on AVX2 + AVX-VNNI: per k-group one 32-byte load of the int8 c4 tile
// ([n0 k0..3]...[n7 k0..3]), per row a 4-byte broadcast of A (unsigned bytes) and one VPDPBUSD
// (u8 x s8, four products summed into each int32 lane, no saturation), so each row keeps one
// 8-channel int32 accumulator; 4 rows = 4 accumulators. Data layout and bounds: GemmMicrokernel.cs
// (int32 wrap-around is exact because the final sums fit int32). No rounding here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.Gemm;

internal sealed unsafe class Qu8Qs8Gemm4x8c4AvxVnni : GemmMicrokernel
{
    public override int MR => 4;

    public override void Run(in GemmParams p, int rows, byte* a, nint aStride, byte* w, int* c, nint cStride, int* init)
    {
        byte* a0 = a;
        byte* a1 = rows > 1 ? a0 + aStride : a0;
        byte* a2 = rows > 2 ? a1 + aStride : a1;
        byte* a3 = rows > 3 ? a2 + aStride : a2;
        var acc0 = Vector256<int>.Zero;
        var acc1 = Vector256<int>.Zero;
        var acc2 = Vector256<int>.Zero;
        var acc3 = Vector256<int>.Zero;
        nint kEnd = (nint)p.KGroups * 4;
        for (nint k = 0; k < kEnd; k += 4, w += 32)
        {
            var wv = Avx.LoadVector256((sbyte*)w);
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Broadcast(a0 + k), wv);
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, Broadcast(a1 + k), wv);
            acc2 = AvxVnni.MultiplyWideningAndAdd(acc2, Broadcast(a2 + k), wv);
            acc3 = AvxVnni.MultiplyWideningAndAdd(acc3, Broadcast(a3 + k), wv);
        }
        X86GemmStore.Rows(c, cStride, rows, acc0, acc1, acc2, acc3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> Broadcast(byte* p) => Vector256.Create(Unsafe.ReadUnaligned<int>(p)).AsByte();
}

internal static unsafe class X86GemmStore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(int* c, nint cStride, int rows, Vector256<int> acc0, Vector256<int> acc1, Vector256<int> acc2, Vector256<int> acc3)
    {
        Avx.Store(c, acc0);
        if (rows > 1)
        {
            Avx.Store(c + cStride, acc1);
            if (rows > 2)
            {
                Avx.Store(c + 2 * cStride, acc2);
                if (rows > 3)
                {
                    Avx.Store(c + 3 * cStride, acc3);
                }
            }
        }
    }
}
