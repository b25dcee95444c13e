using System.Buffers.Binary;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.LowBit;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>
/// Packed depthwise weights: the bytes a model blob stores and <see cref="DepthwiseConvolution.FromPackedWeights"/>
/// wraps back without copying.
/// <para>
/// Layout: int16 little-endian values [P = ceil(T / 2) tap pairs][Cp][2], T = KernelH * KernelW
/// taps in row-major order (tap t = ky * KernelW + kx), Cp = channels rounded up to a multiple of
/// 16; element (p, c, j) is the weight of channel c at tap 2p + j. Entries of channels &gt;= C and
/// of the tap T (when T is odd) are zero. Every value is in [-127, 127]. Total bytes: P * Cp * 4.
/// </para>
/// <para>
/// Source weights (for <see cref="Pack"/>) are in the conv layout [C][KernelH][KernelW] (one input
/// channel per group), as int8 bytes (<see cref="LowBitFormat"/> i8) or packed low-bit codes
/// (signed i2/i3/i4, odd-level 2/3/4) packed with <see cref="BitPacking"/> in that order.
/// </para>
/// </summary>
public static class DepthwiseWeights
{
    /// <summary>Channels rounded up to the 16-channel block.</summary>
    public static int PaddedChannels(int channels) => (channels + 15) & ~15;

    /// <summary>Taps rounded up to pairs.</summary>
    public static int TapPairs(ConvGeometry geometry) => (geometry.KernelH * geometry.KernelW + 1) / 2;

    /// <summary>Bytes of the packed layout.</summary>
    public static int PackedBytes(ConvGeometry geometry) => TapPairs(geometry) * PaddedChannels(geometry.InChannels) * 4;

    /// <summary>Bytes of the source weights in <paramref name="format"/>.</summary>
    public static int SourceBytes(ConvGeometry geometry, LowBitFormat format)
        => format.PackedBytes(geometry.InChannels * geometry.KernelH * geometry.KernelW);

    /// <summary>Validates the weight format: signed or odd-level, values inside [-127, 127].</summary>
    public static void ValidateFormat(LowBitFormat format)
    {
        try
        {
            format.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"weightFormat {format}: {e.Message}", "weightFormat", e);
        }
        if (format.Encoding == LowBitEncoding.Unsigned)
        {
            throw new ArgumentException($"weightFormat {format} is unsigned; weights must be signed (i2/i3/i4/i8) or odd-level (odd2/odd3/odd4).", "weightFormat");
        }
        if (format.Encoding == LowBitEncoding.OddLevel && format.Bits == 8)
        {
            throw new ArgumentException("weightFormat odd8 does not fit int8 weights; use i8 or odd2/odd3/odd4.", "weightFormat");
        }
    }

    /// <summary>Packs source weights into the layout above.</summary>
    /// <exception cref="ArgumentException">Wrong length, a value that is not a level, or -128.</exception>
    public static void Pack(ConvGeometry geometry, ReadOnlySpan<byte> weights, LowBitFormat format, Span<byte> destination)
    {
        ValidateFormat(format);
        int c = geometry.InChannels, taps = geometry.KernelH * geometry.KernelW, cp = PaddedChannels(c);
        int need = SourceBytes(geometry, format);
        if (weights.Length != need)
        {
            throw new ArgumentException(
                $"weights: {weights.Length} bytes given, {c} channels x {geometry.KernelH}x{geometry.KernelW} {format} weights take {need}.", nameof(weights));
        }
        if (destination.Length < PackedBytes(geometry))
        {
            throw new ArgumentException($"destination: {destination.Length} bytes, packed weights need {PackedBytes(geometry)}.", nameof(destination));
        }
        var values = new sbyte[c * taps];
        BitPacking.Unpack(weights, format, values);
        destination[..PackedBytes(geometry)].Clear();
        for (int ch = 0; ch < c; ch++)
        {
            for (int t = 0; t < taps; t++)
            {
                int v = values[ch * taps + t];
                if (v == -128)
                {
                    throw new ArgumentException(
                        $"weights: value -128 at channel {ch}, tap {t / geometry.KernelW},{t % geometry.KernelW} is outside [-127, 127].", nameof(weights));
                }
                BinaryPrimitives.WriteInt16LittleEndian(destination.Slice(Index(t, ch, cp) * 2), (short)v);
            }
        }
    }

    /// <summary>Checks packed bytes (length, zero padding, values in [-127, 127]).</summary>
    public static void Validate(ConvGeometry geometry, ReadOnlySpan<byte> packed)
    {
        int c = geometry.InChannels, taps = geometry.KernelH * geometry.KernelW, cp = PaddedChannels(c);
        if (packed.Length != PackedBytes(geometry))
        {
            throw new ArgumentException(
                $"packedWeights: {packed.Length} bytes given, the packed layout of {c} channels x {geometry.KernelH}x{geometry.KernelW} takes {PackedBytes(geometry)}.", "packedWeights");
        }
        for (int pair = 0; pair < TapPairs(geometry); pair++)
        {
            for (int ch = 0; ch < cp; ch++)
            {
                for (int j = 0; j < 2; j++)
                {
                    int t = 2 * pair + j;
                    int v = BinaryPrimitives.ReadInt16LittleEndian(packed.Slice(Index(t, ch, cp) * 2));
                    bool padding = ch >= c || t >= taps;
                    if (padding ? v != 0 : v is < -127 or > 127)
                    {
                        throw new ArgumentException(
                            $"packedWeights: value {v} at tap {t}, channel {ch} is invalid ({(padding ? "padding must be 0" : "must be in [-127, 127]")}).", "packedWeights");
                    }
                }
            }
        }
    }

    /// <summary>Weight of channel <paramref name="channel"/> at tap <paramref name="tap"/> in packed bytes.</summary>
    public static int Read(ReadOnlySpan<byte> packed, int tap, int channel, int paddedChannels)
        => BinaryPrimitives.ReadInt16LittleEndian(packed.Slice(Index(tap, channel, paddedChannels) * 2));

    private static int Index(int tap, int channel, int cp) => ((tap >> 1) * cp + channel) * 2 + (tap & 1);
}
