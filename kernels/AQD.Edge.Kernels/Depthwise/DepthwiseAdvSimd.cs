using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>
/// Depthwise convolution, ARM64 NEON variant (bit-exact with <see cref="DepthwiseReference"/>).
/// <para>
/// Data layout: int16 ring rows exactly as the reference (natural channel order; UXTL/SXTL widen
/// bytes; packed 2/4-bit codes are split with AND/USHR and put back in channel order with ZIP1). Packed weights [pair][Cp][2] are de-interleaved with LD2 into the weights of taps 2p and
/// 2p+1 for 8 channels; SMLAL/SMLAL2 (int16 x int16 widening multiply-accumulate into int32,
/// exact) add x * w per channel, 16 channels (4 int32x4 accumulators) per block.
/// </para>
/// <para>
/// Accumulator bounds: as the reference (checked at preparation); no rounding here.
/// </para>
/// </summary>
public static class DepthwiseAdvSimd
{
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
                    if (mode == DepthwiseSource.Int16)
                    {
                        ref short s16 = ref Unsafe.As<byte, short>(ref at);
                        Vector128.LoadUnsafe(ref s16).StoreUnsafe(ref dst, (nuint)d);
                        Vector128.LoadUnsafe(ref s16, 8).StoreUnsafe(ref dst, (nuint)(d + 8));
                        continue;
                    }
                    Vector128<short> lo, hi;
                    if (mode == DepthwiseSource.Int8)
                    {
                        Vector128<sbyte> bytes = Vector128.LoadUnsafe(ref at).AsSByte();
                        lo = AdvSimd.SignExtendWideningLower(bytes.GetLower());
                        hi = AdvSimd.SignExtendWideningUpper(bytes);
                    }
                    else
                    {
                        Vector128<byte> bytes = mode switch
                        {
                            DepthwiseSource.UInt8 => Vector128.LoadUnsafe(ref at),
                            DepthwiseSource.Packed4 => Unpack4(ref at),
                            _ => Unpack2(ref at),
                        };
                        lo = AdvSimd.ZeroExtendWideningLower(bytes.GetLower()).AsInt16();
                        hi = AdvSimd.ZeroExtendWideningUpper(bytes).AsInt16();
                    }
                    lo.StoreUnsafe(ref dst, (nuint)d);
                    hi.StoreUnsafe(ref dst, (nuint)(d + 8));
                }
                else
                {
                    ReadOnlySpan<byte> pixel = source.Slice(p * pixelBytes, pixelBytes);
                    Span<short> block = destination.Slice(d, 16);
                    block.Clear();
                    int n = Math.Min(16, channels - b);
                    for (int j = 0; j < n; j++)
                    {
                        block[j] = DepthwiseReference.Value(pixel, b + j, mode);
                    }
                }
            }
        }
    }

    /// <summary>16 packed 4-bit codes (8 bytes) to 16 bytes in channel order: low nibble first (AND, USHR, ZIP1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Unpack4(ref byte at)
    {
        Vector128<byte> v = Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(ref at)).AsByte();
        Vector128<byte> mask = Vector128.Create((byte)15);
        return AdvSimd.Arm64.ZipLow(v & mask, AdvSimd.ShiftRightLogical(v, 4));
    }

    /// <summary>16 packed 2-bit codes (4 bytes) to 16 bytes in channel order: lowest bits first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Unpack2(ref byte at)
    {
        Vector128<byte> v = Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(ref at)).AsByte();
        Vector128<byte> mask = Vector128.Create((byte)3);
        Vector128<byte> c0 = v & mask;
        Vector128<byte> c1 = AdvSimd.ShiftRightLogical(v, 2) & mask;
        Vector128<byte> c2 = AdvSimd.ShiftRightLogical(v, 4) & mask;
        Vector128<byte> c3 = AdvSimd.ShiftRightLogical(v, 6);
        return AdvSimd.Arm64.ZipLow(AdvSimd.Arm64.ZipLow(c0, c1).AsUInt16(), AdvSimd.Arm64.ZipLow(c2, c3).AsUInt16()).AsByte();
    }

    public static unsafe void Accumulate(ReadOnlySpan<short> rows, ReadOnlySpan<int> tapOffsets,
        ReadOnlySpan<short> weights, int paddedChannels, int outWidth, int pixelStep, Span<int> acc)
    {
        int taps = tapOffsets.Length, pairs = taps >> 1, cp = paddedChannels;
        fixed (short* r = rows)
        fixed (short* w = weights)
        fixed (int* a = acc)
        fixed (int* offsets = tapOffsets)
        {
            for (int ox = 0; ox < outWidth; ox++)
            {
                short* px = r + ox * pixelStep;
                int* ao = a + ox * cp;
                for (int b = 0; b < cp; b += 16)
                {
                    Vector128<int> a0 = Vector128<int>.Zero, a1 = a0, a2 = a0, a3 = a0;
                    short* wp = w + b * 2;
                    for (int p = 0; p < pairs; p++)
                    {
                        (Vector128<short> e0, Vector128<short> o0) = AdvSimd.Arm64.Load2xVector128AndUnzip(wp);
                        (Vector128<short> e1, Vector128<short> o1) = AdvSimd.Arm64.Load2xVector128AndUnzip(wp + 16);
                        short* x0p = px + offsets[2 * p] + b;
                        short* x1p = px + offsets[2 * p + 1] + b;
                        Vector128<short> x0 = AdvSimd.LoadVector128(x0p), x0h = AdvSimd.LoadVector128(x0p + 8);
                        Vector128<short> x1 = AdvSimd.LoadVector128(x1p), x1h = AdvSimd.LoadVector128(x1p + 8);
                        a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, x0.GetLower(), e0.GetLower());
                        a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x0, e0);
                        a2 = AdvSimd.MultiplyWideningLowerAndAdd(a2, x0h.GetLower(), e1.GetLower());
                        a3 = AdvSimd.MultiplyWideningUpperAndAdd(a3, x0h, e1);
                        a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, x1.GetLower(), o0.GetLower());
                        a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x1, o0);
                        a2 = AdvSimd.MultiplyWideningLowerAndAdd(a2, x1h.GetLower(), o1.GetLower());
                        a3 = AdvSimd.MultiplyWideningUpperAndAdd(a3, x1h, o1);
                        wp += cp * 2;
                    }
                    if ((taps & 1) != 0)
                    {
                        (Vector128<short> e0, _) = AdvSimd.Arm64.Load2xVector128AndUnzip(wp);
                        (Vector128<short> e1, _) = AdvSimd.Arm64.Load2xVector128AndUnzip(wp + 16);
                        short* x0p = px + offsets[taps - 1] + b;
                        Vector128<short> x0 = AdvSimd.LoadVector128(x0p), x0h = AdvSimd.LoadVector128(x0p + 8);
                        a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, x0.GetLower(), e0.GetLower());
                        a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x0, e0);
                        a2 = AdvSimd.MultiplyWideningLowerAndAdd(a2, x0h.GetLower(), e1.GetLower());
                        a3 = AdvSimd.MultiplyWideningUpperAndAdd(a3, x0h, e1);
                    }
                    AdvSimd.Store(ao + b, a0);
                    AdvSimd.Store(ao + b + 4, a1);
                    AdvSimd.Store(ao + b + 8, a2);
                    AdvSimd.Store(ao + b + 12, a3);
                }
            }
        }
    }
}
