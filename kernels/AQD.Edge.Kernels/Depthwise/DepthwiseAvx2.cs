using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>
/// Depthwise convolution, AVX2 variant (bit-exact with <see cref="DepthwiseReference"/>).
/// <para>
/// Data layout: int16 ring rows as in the reference, but inside each 16-channel block the lanes
/// are ordered [c0-3, c8-11 | c4-7, c12-15] (the widener applies VPERMQ 0,2,1,3 after VPMOVZXBW /
/// VPMOVSXBW; packed 2/4-bit codes are first split with shifts and masks and interleaved back into
/// channel order with PUNPCKLBW / PUNPCKLWD), so that VPUNPCKLWD / VPUNPCKHWD of the rows of taps 2p and 2p+1 give the (tap 2p,
/// tap 2p+1) pairs of channels c0-7 and c8-15 in natural order, which is the packed weight layout
/// [pair][Cp][2] (see <see cref="DepthwiseWeights"/>). VPMADDWD then yields
/// x0*w0 + x1*w1 per channel as int32 (exact: |x| &lt;= 32768, |w| &lt;= 127), added with VPADDD.
/// </para>
/// <para>
/// Accumulator bounds: as the reference (checked at preparation); no rounding here.
/// </para>
/// </summary>
public static class DepthwiseAvx2
{
    /// <summary>Lane of channel j (0..15) inside a block: qwords 1 and 2 swapped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Lane(int j) => (j & 3) | ((j & 4) << 1) | ((j & 8) >> 1);

    public static void Widen(ReadOnlySpan<byte> source, int pixels, int channels, int pixelBytes, int paddedChannels,
        DepthwiseSource mode, Span<short> destination)
    {
        int blockBytes = DepthwiseReference.BlockBytes(mode);
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref short dst = ref MemoryMarshal.GetReference(destination);
        for (int p = 0; p < pixels; p++)
        {
            int s = p * pixelBytes, d = p * paddedChannels;
            for (int b = 0; b < channels; b += 16, d += 16, s += blockBytes)
            {
                // Reading past the pixel's last channel is fine (those lanes have zero weights) as
                // long as it stays inside the row; otherwise the last block goes lane by lane.
                if (s + blockBytes <= source.Length)
                {
                    ref byte at = ref Unsafe.Add(ref src, s);
                    Vector256<short> v = mode switch
                    {
                        DepthwiseSource.Int16 => Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref at)),
                        DepthwiseSource.Int8 => Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref at).AsSByte()),
                        DepthwiseSource.UInt8 => Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref at)),
                        DepthwiseSource.Packed4 => Avx2.ConvertToVector256Int16(Unpack4(ref at)),
                        _ => Avx2.ConvertToVector256Int16(Unpack2(ref at)),
                    };
                    Avx2.Permute4x64(v.AsInt64(), 0b11_01_10_00).AsInt16().StoreUnsafe(ref dst, (nuint)d);
                }
                else
                {
                    ReadOnlySpan<byte> pixel = source.Slice(p * pixelBytes, pixelBytes);
                    Span<short> block = destination.Slice(d, 16);
                    block.Clear();
                    int n = Math.Min(16, channels - b);
                    for (int j = 0; j < n; j++)
                    {
                        block[Lane(j)] = DepthwiseReference.Value(pixel, b + j, mode);
                    }
                }
            }
        }
    }

    /// <summary>16 packed 4-bit codes (8 bytes) to 16 bytes in channel order: low nibble first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Unpack4(ref byte at)
    {
        Vector128<byte> v = Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(ref at)).AsByte();
        Vector128<byte> mask = Vector128.Create((byte)15);
        return Sse2.UnpackLow(v & mask, Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & mask);
    }

    /// <summary>16 packed 2-bit codes (4 bytes) to 16 bytes in channel order: lowest bits first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Unpack2(ref byte at)
    {
        Vector128<byte> v = Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(ref at)).AsByte();
        Vector128<byte> mask = Vector128.Create((byte)3);
        Vector128<byte> c0 = v & mask;
        Vector128<byte> c1 = Vector128.ShiftRightLogical(v.AsUInt16(), 2).AsByte() & mask;
        Vector128<byte> c2 = Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & mask;
        Vector128<byte> c3 = Vector128.ShiftRightLogical(v.AsUInt16(), 6).AsByte() & mask;
        return Sse2.UnpackLow(Sse2.UnpackLow(c0, c1).AsUInt16(), Sse2.UnpackLow(c2, c3).AsUInt16()).AsByte();
    }

    public static void Accumulate(ReadOnlySpan<short> rows, ReadOnlySpan<int> tapOffsets,
        ReadOnlySpan<short> weights, int paddedChannels, int outWidth, int pixelStep, Span<int> acc)
    {
        int taps = tapOffsets.Length, pairs = taps >> 1, cp = paddedChannels;
        ref short r = ref MemoryMarshal.GetReference(rows);
        ref short w = ref MemoryMarshal.GetReference(weights);
        ref int a = ref MemoryMarshal.GetReference(acc);
        ref int offsets = ref MemoryMarshal.GetReference(tapOffsets);
        for (int ox = 0; ox < outWidth; ox++)
        {
            ref short px = ref Unsafe.Add(ref r, ox * pixelStep);
            ref int ao = ref Unsafe.Add(ref a, ox * cp);
            for (int b = 0; b < cp; b += 16)
            {
                Vector256<int> acc0 = Vector256<int>.Zero, acc1 = Vector256<int>.Zero;
                ref short wp = ref Unsafe.Add(ref w, b * 2);
                for (int p = 0; p < pairs; p++)
                {
                    Vector256<short> x0 = Vector256.LoadUnsafe(ref px, (nuint)(Unsafe.Add(ref offsets, 2 * p) + b));
                    Vector256<short> x1 = Vector256.LoadUnsafe(ref px, (nuint)(Unsafe.Add(ref offsets, 2 * p + 1) + b));
                    acc0 = Avx2.Add(acc0, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(x0, x1), Vector256.LoadUnsafe(ref wp)));
                    acc1 = Avx2.Add(acc1, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(x0, x1), Vector256.LoadUnsafe(ref wp, 16)));
                    wp = ref Unsafe.Add(ref wp, cp * 2);
                }
                if ((taps & 1) != 0)
                {
                    // Last tap alone: its partner weight is zero, so pair the row with itself.
                    Vector256<short> x0 = Vector256.LoadUnsafe(ref px, (nuint)(Unsafe.Add(ref offsets, taps - 1) + b));
                    acc0 = Avx2.Add(acc0, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(x0, x0), Vector256.LoadUnsafe(ref wp)));
                    acc1 = Avx2.Add(acc1, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(x0, x0), Vector256.LoadUnsafe(ref wp, 16)));
                }
                acc0.StoreUnsafe(ref ao, (nuint)b);
                acc1.StoreUnsafe(ref ao, (nuint)(b + 8));
            }
        }
    }
}
