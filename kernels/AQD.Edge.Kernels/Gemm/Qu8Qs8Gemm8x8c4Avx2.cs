// Qu8Qs8Gemm 8x8c4 on AVX2, two inner loops chosen per call from GemmParams (fixed at preparation):
//  * narrow (2 * maxA * maxW <= 32767, e.g. low-bit activations or low-bit weights): the shared
//    8-row loop (X86Gemm8x8c4) with VPMADDUBSW (u8 x s8, adjacent pair sums in int16, which cannot
//    saturate under that bound) then VPMADDWD by ones -> one int32 per channel and row; when
//    several k-groups of pair sums fit int16 (GemmParams.NarrowChunk >= 2, e.g. 4-bit x 4-bit), they
//    are added in int16 first and widened once per chunk (X86Gemm8x8c4.RunMaddubsChunked).
//  * wide (uint8 x int8): two blocks of 4 rows; A widened to int16 (VPMOVZXBW of the broadcast 4
//    bytes), weights sign-extended to int16 (VPMOVSXBW), VPMADDWD (exact int32 pair sums) into two
//    accumulators per row (channels n0-3 and n4-7 as pairs), reduced at the end with VPHADDD + VPERMQ.
// Data layout and bounds: GemmMicrokernel.cs. No rounding here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.Gemm;

internal sealed unsafe class Qu8Qs8Gemm8x8c4Avx2 : GemmMicrokernel
{
    public override int MR => 8;

    public override void Run(in GemmParams p, int rows, byte* a, nint aStride, byte* w, int* c, nint cStride, int* init)
    {
        nint kEnd = (nint)p.KGroups * 4;
        if (p.NarrowChunk >= 2)
        {
            X86Gemm8x8c4.RunMaddubsChunked(rows, a, aStride, kEnd, w, c, cStride, p.NarrowChunk);
            return;
        }
        if (p.NarrowProductsExact)
        {
            X86Gemm8x8c4.Run<MaddubsDot>(rows, a, aStride, kEnd, w, c, cStride);
            return;
        }
        Wide(Math.Min(rows, 4), a, aStride, kEnd, w, c, cStride);
        if (rows > 4)
        {
            Wide(rows - 4, a + 4 * aStride, aStride, kEnd, w, c + 4 * cStride, cStride);
        }
    }

    private static void Wide(int rows, byte* a, nint aStride, nint kEnd, byte* w, int* c, nint cStride)
    {
        GemmRows.Rows4(a, aStride, rows, out byte* a0, out byte* a1, out byte* a2, out byte* a3);
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
        X86Gemm8x8c4.StoreRows(c, cStride, rows, Reduce(lo0, hi0), Reduce(lo1, hi1), Reduce(lo2, hi2), Reduce(lo3, hi3));
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
