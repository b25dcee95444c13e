// Shared 8-row x 8-channel c4 loop of the x86 kernels (AvxVnni and Avx2's narrow path), generic
// over the 4-wide u8 x s8 dot step (TDot): per k-group one 32-byte load of the int8 c4 tile
// ([n0 k0..3]...[n7 k0..3]) and, per row, a 4-byte broadcast of A plus one TDot into that row's
// 8-channel int32 accumulator (8 independent accumulators hide the dot-product latency).
// Rows past `rows` re-read the last valid row and are not stored. Data layout and bounds:
// GemmMicrokernel.cs. No rounding here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.Gemm;

/// <summary>acc + sum over 4 adjacent bytes of (unsigned a) x (signed w), per int32 lane.</summary>
internal interface IDot256
{
    static abstract Vector256<int> Dot(Vector256<int> acc, Vector256<byte> a, Vector256<sbyte> w);
}

/// <summary>VPDPBUSD (AVX-VNNI): exact, no saturation.</summary>
internal readonly struct VnniDot : IDot256
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> a, Vector256<sbyte> w)
        => AvxVnni.MultiplyWideningAndAdd(acc, a, w);
}

/// <summary>VPMADDUBSW then VPMADDWD by ones (AVX2): exact only when 2 * maxA * maxW &lt;= 32767.</summary>
internal readonly struct MaddubsDot : IDot256
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> a, Vector256<sbyte> w)
        => Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, w), Vector256.Create((short)1)));
}

internal static unsafe class X86Gemm8x8c4
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TDot>(int rows, byte* a, nint aStride, nint kEnd, byte* w, int* c, nint cStride)
        where TDot : struct, IDot256
    {
        GemmRows.Rows8(a, aStride, rows, out byte* a0, out byte* a1, out byte* a2, out byte* a3,
            out byte* a4, out byte* a5, out byte* a6, out byte* a7);
        Vector256<int> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        Vector256<int> acc4 = default, acc5 = default, acc6 = default, acc7 = default;
        for (nint k = 0; k < kEnd; k += 4, w += 32)
        {
            var wv = Avx.LoadVector256((sbyte*)w);
            acc0 = TDot.Dot(acc0, Broadcast(a0 + k), wv);
            acc1 = TDot.Dot(acc1, Broadcast(a1 + k), wv);
            acc2 = TDot.Dot(acc2, Broadcast(a2 + k), wv);
            acc3 = TDot.Dot(acc3, Broadcast(a3 + k), wv);
            acc4 = TDot.Dot(acc4, Broadcast(a4 + k), wv);
            acc5 = TDot.Dot(acc5, Broadcast(a5 + k), wv);
            acc6 = TDot.Dot(acc6, Broadcast(a6 + k), wv);
            acc7 = TDot.Dot(acc7, Broadcast(a7 + k), wv);
        }
        StoreRows(c, cStride, rows, acc0, acc1, acc2, acc3);
        if (rows > 4)
        {
            StoreRows(c + 4 * cStride, cStride, rows - 4, acc4, acc5, acc6, acc7);
        }
    }

    /// <summary>
    /// The narrow AVX2 loop with int16 accumulation: VPMADDUBSW pair sums of up to `chunk` k-groups
    /// are added in int16 (exact: chunk * 2 * maxA * maxW &lt;= 32767), then one VPMADDWD by ones
    /// per row and chunk widens them into the int32 accumulators (kept on the stack, touched once per
    /// chunk). Halves the multiplies per k-group compared with MaddubsDot.
    /// </summary>
    public static void RunMaddubsChunked(int rows, byte* a, nint aStride, nint kEnd, byte* w, int* c, nint cStride, int chunk)
    {
        GemmRows.Rows8(a, aStride, rows, out byte* a0, out byte* a1, out byte* a2, out byte* a3,
            out byte* a4, out byte* a5, out byte* a6, out byte* a7);
        Vector256<int>* acc = stackalloc Vector256<int>[8];
        for (int r = 0; r < 8; r++)
        {
            acc[r] = default;
        }
        var ones = Vector256.Create((short)1);
        nint chunkBytes = (nint)Math.Min(chunk, 1 << 20) * 4;
        for (nint k0 = 0; k0 < kEnd; k0 += chunkBytes)
        {
            nint k1 = Math.Min(k0 + chunkBytes, kEnd);
            Vector256<short> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector256<short> s4 = default, s5 = default, s6 = default, s7 = default;
            for (nint k = k0; k < k1; k += 4, w += 32)
            {
                var wv = Avx.LoadVector256((sbyte*)w);
                s0 = Avx2.Add(s0, Avx2.MultiplyAddAdjacent(Broadcast(a0 + k), wv));
                s1 = Avx2.Add(s1, Avx2.MultiplyAddAdjacent(Broadcast(a1 + k), wv));
                s2 = Avx2.Add(s2, Avx2.MultiplyAddAdjacent(Broadcast(a2 + k), wv));
                s3 = Avx2.Add(s3, Avx2.MultiplyAddAdjacent(Broadcast(a3 + k), wv));
                s4 = Avx2.Add(s4, Avx2.MultiplyAddAdjacent(Broadcast(a4 + k), wv));
                s5 = Avx2.Add(s5, Avx2.MultiplyAddAdjacent(Broadcast(a5 + k), wv));
                s6 = Avx2.Add(s6, Avx2.MultiplyAddAdjacent(Broadcast(a6 + k), wv));
                s7 = Avx2.Add(s7, Avx2.MultiplyAddAdjacent(Broadcast(a7 + k), wv));
            }
            acc[0] = Avx2.Add(acc[0], Avx2.MultiplyAddAdjacent(s0, ones));
            acc[1] = Avx2.Add(acc[1], Avx2.MultiplyAddAdjacent(s1, ones));
            acc[2] = Avx2.Add(acc[2], Avx2.MultiplyAddAdjacent(s2, ones));
            acc[3] = Avx2.Add(acc[3], Avx2.MultiplyAddAdjacent(s3, ones));
            acc[4] = Avx2.Add(acc[4], Avx2.MultiplyAddAdjacent(s4, ones));
            acc[5] = Avx2.Add(acc[5], Avx2.MultiplyAddAdjacent(s5, ones));
            acc[6] = Avx2.Add(acc[6], Avx2.MultiplyAddAdjacent(s6, ones));
            acc[7] = Avx2.Add(acc[7], Avx2.MultiplyAddAdjacent(s7, ones));
        }
        StoreRows(c, cStride, rows, acc[0], acc[1], acc[2], acc[3]);
        if (rows > 4)
        {
            StoreRows(c + 4 * cStride, cStride, rows - 4, acc[4], acc[5], acc[6], acc[7]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Broadcast(byte* p) => Vector256.Create(Unsafe.ReadUnaligned<int>(p)).AsByte();

    /// <summary>Stores the first min(rows, 4) of four 8-channel rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreRows(int* c, nint cStride, int rows, Vector256<int> acc0, Vector256<int> acc1, Vector256<int> acc2, Vector256<int> acc3)
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
