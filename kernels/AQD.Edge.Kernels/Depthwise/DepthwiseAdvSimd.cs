using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>
/// Depthwise convolution, ARM64 NEON variant (bit-exact with <see cref="DepthwiseReference"/>).
/// <para>
/// Data layout: int16 ring rows exactly as the reference (natural channel order; UXTL/SXTL widen
/// bytes). Packed weights [pair][Cp][2] are de-interleaved with LD2 into the weights of taps 2p and
/// 2p+1 for 8 channels; SMLAL/SMLAL2 (int16 x int16 widening multiply-accumulate into int32,
/// exact) add x * w per channel, 16 channels (4 int32x4 accumulators) per block.
/// </para>
/// <para>
/// Accumulator bounds: as the reference (checked at preparation); no rounding here.
/// </para>
/// </summary>
public static class DepthwiseAdvSimd
{
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
                // Reading past the pixel's last channel is fine (those lanes have zero weights) as
                // long as it stays inside the row; otherwise the last block goes lane by lane.
                if (s + 16 * elementBytes <= source.Length)
                {
                    if (mode == DepthwiseSource.Int16)
                    {
                        ref short s16 = ref Unsafe.As<byte, short>(ref Unsafe.Add(ref src, s));
                        Vector128.LoadUnsafe(ref s16).StoreUnsafe(ref dst, (nuint)d);
                        Vector128.LoadUnsafe(ref s16, 8).StoreUnsafe(ref dst, (nuint)(d + 8));
                    }
                    else
                    {
                        Vector128<byte> bytes = Vector128.LoadUnsafe(ref src, (nuint)s);
                        Vector128<short> lo, hi;
                        if (mode == DepthwiseSource.Int8)
                        {
                            lo = AdvSimd.SignExtendWideningLower(bytes.AsSByte().GetLower());
                            hi = AdvSimd.SignExtendWideningUpper(bytes.AsSByte());
                        }
                        else
                        {
                            lo = AdvSimd.ZeroExtendWideningLower(bytes.GetLower()).AsInt16();
                            hi = AdvSimd.ZeroExtendWideningUpper(bytes).AsInt16();
                        }
                        lo.StoreUnsafe(ref dst, (nuint)d);
                        hi.StoreUnsafe(ref dst, (nuint)(d + 8));
                    }
                }
                else
                {
                    Span<short> block = destination.Slice(d, 16);
                    block.Clear();
                    int n = Math.Min(16, channels - b);
                    for (int j = 0; j < n; j++)
                    {
                        int i = s + j * elementBytes;
                        block[j] = mode switch
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
