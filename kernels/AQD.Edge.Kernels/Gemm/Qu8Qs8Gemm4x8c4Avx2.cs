// Qu8Qs8Gemm 4x8c4 on AVX2, two inner loops chosen per call from GemmParams (fixed at preparation):
//  * narrow (2 * maxA * maxW <= 32767, e.g. low-bit activations or low-bit weights): VPMADDUBSW
//    (u8 x s8, adjacent pair sums in int16, which cannot saturate under that bound) then VPMADDWD
//    with ones -> one int32 per channel; one 8-channel accumulator per row.
//  * wide (int8 x uint8): A widened to int16 (VPMOVZXBW of the broadcast 4 bytes), weights
//    sign-extended to int16 (VPMOVSXBW), VPMADDWD (exact int32 pair sums) into two accumulators per
//    row (channels n0-3 and n4-7 as pairs), reduced once at the end with VPHADDD + VPERMQ.
// Data layout and bounds: GemmMicrokernel.cs. No rounding here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.Gemm;

internal sealed unsafe class Qu8Qs8Gemm4x8c4Avx2 : GemmMicrokernel
{
    public override int MR => 4;

    public override void Run(in GemmParams p, int rows, byte* a, nint aStride, byte* w, int* c, nint cStride, int* init)
    {
        byte* a0 = a;
        byte* a1 = rows > 1 ? a0 + aStride : a0;
        byte* a2 = rows > 2 ? a1 + aStride : a1;
        byte* a3 = rows > 3 ? a2 + aStride : a2;
        nint kEnd = (nint)p.KGroups * 4;
        if (p.NarrowProductsExact)
        {
            Narrow(a0, a1, a2, a3, kEnd, w, c, cStride, rows);
        }
        else
        {
            Wide(a0, a1, a2, a3, kEnd, w, c, cStride, rows);
        }
    }

    private static void Narrow(byte* a0, byte* a1, byte* a2, byte* a3, nint kEnd, byte* w, int* c, nint cStride, int rows)
    {
        var ones = Vector256.Create((short)1);
        var acc0 = Vector256<int>.Zero;
        var acc1 = Vector256<int>.Zero;
        var acc2 = Vector256<int>.Zero;
        var acc3 = Vector256<int>.Zero;
        for (nint k = 0; k < kEnd; k += 4, w += 32)
        {
            var wv = Avx.LoadVector256((sbyte*)w);
            acc0 = Avx2.Add(acc0, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Qu8Qs8Gemm4x8c4AvxVnni.Broadcast(a0 + k), wv), ones));
            acc1 = Avx2.Add(acc1, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Qu8Qs8Gemm4x8c4AvxVnni.Broadcast(a1 + k), wv), ones));
            acc2 = Avx2.Add(acc2, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Qu8Qs8Gemm4x8c4AvxVnni.Broadcast(a2 + k), wv), ones));
            acc3 = Avx2.Add(acc3, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Qu8Qs8Gemm4x8c4AvxVnni.Broadcast(a3 + k), wv), ones));
        }
        X86GemmStore.Rows(c, cStride, rows, acc0, acc1, acc2, acc3);
    }

    private static void Wide(byte* a0, byte* a1, byte* a2, byte* a3, nint kEnd, byte* w, int* c, nint cStride, int rows)
    {
        Vector256<int> lo0 = default, hi0 = default, lo1 = default, hi1 = default;
        Vector256<int> lo2 = default, hi2 = default, lo3 = default, hi3 = default;
        for (nint k = 0; k < kEnd; k += 4, w += 32)
        {
            var wLo = Avx2.ConvertToVector256Int16((sbyte*)w);
            var wHi = Avx2.ConvertToVector256Int16((sbyte*)w + 16);
            var x = Widen(a0 + k);
            lo0 = Avx2.Add(lo0, Avx2.MultiplyAddAdjacent(wLo, x));
            hi0 = Avx2.Add(hi0, Avx2.MultiplyAddAdjacent(wHi, x));
            x = Widen(a1 + k);
            lo1 = Avx2.Add(lo1, Avx2.MultiplyAddAdjacent(wLo, x));
            hi1 = Avx2.Add(hi1, Avx2.MultiplyAddAdjacent(wHi, x));
            x = Widen(a2 + k);
            lo2 = Avx2.Add(lo2, Avx2.MultiplyAddAdjacent(wLo, x));
            hi2 = Avx2.Add(hi2, Avx2.MultiplyAddAdjacent(wHi, x));
            x = Widen(a3 + k);
            lo3 = Avx2.Add(lo3, Avx2.MultiplyAddAdjacent(wLo, x));
            hi3 = Avx2.Add(hi3, Avx2.MultiplyAddAdjacent(wHi, x));
        }
        X86GemmStore.Rows(c, cStride, rows, Reduce(lo0, hi0), Reduce(lo1, hi1), Reduce(lo2, hi2), Reduce(lo3, hi3));
    }

    // [a0 a1 a2 a3] zero-extended to int16 and repeated 4 times.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Widen(byte* p)
        => Avx2.ConvertToVector256Int16(Vector128.Create(Unsafe.ReadUnaligned<int>(p)).AsByte());

    // lo = pair sums of n0..n3 (lane pairs), hi = of n4..n7 -> [n0..n7].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Reduce(Vector256<int> lo, Vector256<int> hi)
        => Avx2.Permute4x64(Avx2.HorizontalAdd(lo, hi).AsInt64(), 0b11_01_10_00).AsInt32();
}
