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
/// VPMOVSXBW), so that VPUNPCKLWD / VPUNPCKHWD of the rows of taps 2p and 2p+1 give the (tap 2p,
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

    public static void Widen(ReadOnlySpan<byte> source, int pixels, int channels, int paddedChannels,
        DepthwiseSource mode, Span<short> destination)
    {
        int elementBytes = mode == DepthwiseSource.Int16 ? 2 : 1;
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref short dst = ref MemoryMarshal.GetReference(destination);
        for (int p = 0; p < pixels; p++)
        {
            int s = p * channels * elementBytes;
            int d = p * paddedChannels;
            for (int b = 0; b < channels; b += 16, d += 16, s += 16 * elementBytes)
            {
                Vector256<short> v;
                // Reading past the pixel's last channel is fine (those lanes have zero weights) as
                // long as it stays inside the row; otherwise the last block goes lane by lane.
                if (s + 16 * elementBytes <= source.Length)
                {
                    if (mode == DepthwiseSource.Int16)
                    {
                        v = Vector256.LoadUnsafe(ref Unsafe.As<byte, short>(ref Unsafe.Add(ref src, s)));
                    }
                    else
                    {
                        Vector128<byte> bytes = Vector128.LoadUnsafe(ref src, (nuint)s);
                        v = mode == DepthwiseSource.Int8
                            ? Avx2.ConvertToVector256Int16(bytes.AsSByte())
                            : Avx2.ConvertToVector256Int16(bytes);
                    }
                    v = Avx2.Permute4x64(v.AsInt64(), 0b11_01_10_00).AsInt16();
                    v.StoreUnsafe(ref dst, (nuint)d);
                }
                else
                {
                    Span<short> block = destination.Slice(d, 16);
                    block.Clear();
                    int n = Math.Min(16, channels - b);
                    for (int j = 0; j < n; j++)
                    {
                        int i = s + j * elementBytes;
                        block[Lane(j)] = mode switch
                        {
                            DepthwiseSource.UInt8 => source[i],
                            DepthwiseSource.Int8 => (sbyte)source[i],
                            _ => (short)(source[i] | (source[i + 1] << 8)),
                        };
                    }
                }
            }
        }
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
