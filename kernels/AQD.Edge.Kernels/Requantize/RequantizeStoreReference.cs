using System.Buffers.Binary;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Requantize;

/// <summary>
/// Output stage, scalar reference twin.
/// Layout: <c>acc</c> holds rows x channels int32 accumulators, row r at r * accStride. Result of
/// (row r, channel j) goes to output pixel r (byte offset r * outPixelBytes), channel
/// channelStart + j, in the output format's storage: uint8/int8 one byte, int16 little-endian two
/// bytes, packed unsigned 2/3/4-bit codes (first channel in the low bits; bytes only partly
/// covered are read-modify-written, others fully written).
/// Arithmetic: v = acc + bias[c] in int32 (preparation guarantees no overflow), then
/// <see cref="Requantization.Requantize(int,int,int,int,int,int)"/> (the one rounding rule).
/// Fused LeakyReLU (<see cref="RequantParams.HasNegative"/>): the multiplier is chosen by the sign
/// of v, out = Requantize(v, v &gt;= 0 ? M_pos[c] : M_neg[c], zp, min, max) with M_neg = M_pos * alpha
/// fixed at preparation; one multiply and one rounding shift per value (ties toward +infinity,
/// exactly THE rule), never a second rounding for alpha. v = 0 uses the positive side (both give zp).
/// </summary>
public static class RequantizeStoreReference
{
    public static void Run(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
        RequantParams p, ActivationFormat outFormat, Span<byte> output, int outPixelBytes)
    {
        var range = p.Range;
        if (p.HasNegative)
        {
            RunLeaky(acc, accStride, rows, channels, channelStart, p, outFormat, output, outPixelBytes);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            Span<byte> pixel = output.Slice(r * outPixelBytes);
            for (int j = 0; j < channels; j++)
            {
                int c = channelStart + j;
                int v = Requantization.Requantize(acc[r * accStride + j] + p.Bias[c], p.Multipliers[c], p.Shifts[c],
                    range.ZeroPoint, range.Min, range.Max);
                StoreOne(pixel, c, v, outFormat);
            }
        }
    }

    private static void RunLeaky(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
        RequantParams p, ActivationFormat outFormat, Span<byte> output, int outPixelBytes)
    {
        var range = p.Range;
        for (int r = 0; r < rows; r++)
        {
            Span<byte> pixel = output.Slice(r * outPixelBytes);
            for (int j = 0; j < channels; j++)
            {
                int c = channelStart + j;
                int v = acc[r * accStride + j] + p.Bias[c];
                int o = v >= 0
                    ? Requantization.Requantize(v, p.Multipliers[c], p.Shifts[c], range.ZeroPoint, range.Min, range.Max)
                    : Requantization.Requantize(v, p.NegativeMultipliers[c], p.NegativeShifts[c], range.ZeroPoint, range.Min, range.Max);
                StoreOne(pixel, c, o, outFormat);
            }
        }
    }

    /// <summary>Writes one already-clamped value of channel c into a pixel's storage.</summary>
    internal static void StoreOne(Span<byte> pixel, int c, int v, ActivationFormat format)
    {
        switch (format.Storage)
        {
            case ActivationStorage.UInt8:
            case ActivationStorage.Int8:
                pixel[c] = (byte)v;
                break;
            case ActivationStorage.Int16:
                BinaryPrimitives.WriteInt16LittleEndian(pixel.Slice(2 * c), (short)v);
                break;
            default:
                int cbits = format.LowBit.ContainerBits;
                int per = 8 / cbits;
                int shift = c % per * cbits;
                int mask = ((1 << cbits) - 1) << shift;
                ref byte b = ref pixel[c / per];
                b = (byte)((b & ~mask) | ((v << shift) & mask));
                break;
        }
    }
}
