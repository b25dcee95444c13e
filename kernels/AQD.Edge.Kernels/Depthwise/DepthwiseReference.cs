using System.Runtime.CompilerServices;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>
/// Depthwise convolution, scalar reference twin (the definition every other variant must equal).
/// <para>
/// Data layout: the driver (<see cref="DepthwiseConvolution"/>) widens input rows to int16 rows of
/// [padded width][paddedChannels] (paddedChannels = channels rounded up to 16); this variant keeps
/// the natural channel order inside a pixel. Padding pixels hold the input zero point. Packed
/// low-bit input is unpacked while widening (no separate unpack pass).
/// </para>
/// <para>
/// Packed weights: int16 [ceil(T/2) tap pairs][paddedChannels][2] with T = kh*kw taps in row-major
/// order (tap t = ky*kw + kx), pair p holding taps 2p and 2p+1; the missing odd tap and the
/// channels past the real ones are zero (see <see cref="DepthwiseWeights"/>).
/// </para>
/// <para>
/// Accumulator bounds: |x| &lt;= 32768 (int16 source; 255 for uint8), |w| &lt;= 127, T taps; the
/// preparation checks per channel that the accumulator plus the folded bias stays inside int32.
/// Products are exact in int32; no rounding happens here (the output stage applies THE rule).
/// </para>
/// </summary>
public static class DepthwiseReference
{
    public static void Widen(ReadOnlySpan<byte> source, int pixels, int channels, int pixelBytes, int paddedChannels,
        DepthwiseSource mode, Span<short> destination)
    {
        for (int p = 0; p < pixels; p++)
        {
            ReadOnlySpan<byte> pixel = source.Slice(p * pixelBytes, pixelBytes);
            Span<short> dst = destination.Slice(p * paddedChannels, paddedChannels);
            for (int c = 0; c < channels; c++)
            {
                dst[c] = Value(pixel, c, mode);
            }
            dst[channels..].Clear();
        }
    }

    /// <summary>Value of channel <paramref name="c"/> of one stored pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Value(ReadOnlySpan<byte> pixel, int c, DepthwiseSource mode) => mode switch
    {
        DepthwiseSource.UInt8 => pixel[c],
        DepthwiseSource.Int8 => (sbyte)pixel[c],
        DepthwiseSource.Int16 => (short)(pixel[2 * c] | (pixel[2 * c + 1] << 8)),
        DepthwiseSource.Packed4 => (short)((pixel[c >> 1] >> ((c & 1) * 4)) & 15),
        _ => (short)((pixel[c >> 2] >> ((c & 3) * 2)) & 3),
    };

    /// <summary>Bytes a block of 16 channels takes in <paramref name="mode"/>'s storage.</summary>
    public static int BlockBytes(DepthwiseSource mode) => mode switch
    {
        DepthwiseSource.Int16 => 32,
        DepthwiseSource.Packed2 => 4,
        DepthwiseSource.Packed4 => 8,
        _ => 16,
    };

    public static void Accumulate(ReadOnlySpan<short> rows, ReadOnlySpan<int> tapOffsets,
        ReadOnlySpan<short> weights, int paddedChannels, int outWidth, int pixelStep, Span<int> acc)
    {
        int taps = tapOffsets.Length;
        for (int ox = 0; ox < outWidth; ox++)
        {
            for (int c = 0; c < paddedChannels; c++)
            {
                int sum = 0;
                for (int t = 0; t < taps; t++)
                {
                    int w = weights[((t >> 1) * paddedChannels + c) * 2 + (t & 1)];
                    int x = rows[tapOffsets[t] + ox * pixelStep + c];
                    sum += w * x;
                }
                acc[ox * paddedChannels + c] = sum;
            }
        }
    }
}
