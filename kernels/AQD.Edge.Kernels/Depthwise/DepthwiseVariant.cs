using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>How the bytes of one input row are widened to int16 by <see cref="DepthwiseWidenFn"/>.</summary>
public enum DepthwiseSource
{
    /// <summary>One unsigned byte per value (uint8 storage, or packed low-bit already unpacked to bytes).</summary>
    UInt8 = 0,
    /// <summary>One signed byte per value (int8 storage).</summary>
    Int8 = 1,
    /// <summary>Two bytes per value, little-endian signed (int16 storage).</summary>
    Int16 = 2,
    /// <summary>Unsigned 2-bit codes, four per byte, first channel in the lowest bits.</summary>
    Packed2 = 3,
    /// <summary>Unsigned 3- or 4-bit codes in 4-bit containers, two per byte, first channel in the low nibble.</summary>
    Packed4 = 4,
}

/// <summary>
/// Widens <paramref name="pixels"/> pixels of <paramref name="channels"/> values (pixel p at byte
/// p * pixelBytes of <paramref name="source"/>, stored as <paramref name="mode"/> says) into the
/// variant's int16 row layout:
/// pixel p occupies dst[p * paddedChannels .. +paddedChannels), channels in blocks of 16 (the
/// order of the 16 lanes of a block is the variant's own), lanes of channels &gt;= channels hold any
/// value (their weights are zero).
/// </summary>
public delegate void DepthwiseWidenFn(ReadOnlySpan<byte> source, int pixels, int channels, int pixelBytes,
    int paddedChannels, DepthwiseSource mode, Span<short> destination);

/// <summary>
/// acc[ox * paddedChannels + c] = sum over taps t of w(t, c) * rows[tapOffsets[t] + ox * pixelStep + lane(c)]
/// for ox in [0, outWidth) and every channel c &lt; paddedChannels, in natural channel order,
/// where w(t, c) = weights[((t / 2) * paddedChannels + c) * 2 + t % 2] (the packed layout of
/// <see cref="DepthwiseWeights"/>) and lane(c) is the variant's lane order of <see cref="DepthwiseWidenFn"/>.
/// </summary>
public delegate void DepthwiseAccumulateFn(ReadOnlySpan<short> rows, ReadOnlySpan<int> tapOffsets,
    ReadOnlySpan<short> weights, int paddedChannels, int outWidth, int pixelStep, Span<int> acc);

/// <summary>One ISA path of the depthwise convolution: a row widener and a row accumulator.</summary>
public sealed class DepthwiseVariant(string name, KernelIsa isa, DepthwiseWidenFn widen, DepthwiseAccumulateFn accumulate)
    : KernelVariant(name, isa)
{
    public DepthwiseWidenFn Widen { get; } = widen;

    public DepthwiseAccumulateFn Accumulate { get; } = accumulate;
}
