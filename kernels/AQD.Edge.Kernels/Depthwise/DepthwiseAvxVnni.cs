using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>
/// Depthwise convolution, AVX-VNNI variant (bit-exact with <see cref="DepthwiseReference"/>).
/// <para>
/// Data layout, packed weights and loop: exactly those of <see cref="DepthwiseAvx2"/> (same
/// widener, same permuted lanes, same tap pairs); the pair dot product VPMADDWD + VPADDD becomes one
/// VPDPWSSD (int16 x int16 pairs summed into int32, non-saturating, exact within the prepared
/// accumulator bounds).
/// </para>
/// </summary>
public static class DepthwiseAvxVnni
{
    public static void Accumulate(ReadOnlySpan<short> rows, ReadOnlySpan<int> tapOffsets,
        ReadOnlySpan<short> weights, int paddedChannels, int outWidth, int pixelStep, Span<int> acc)
        => DepthwiseAvx2.Accumulate<DpwssdPairs>(rows, tapOffsets, weights, paddedChannels, outWidth, pixelStep, acc);

    /// <summary>VPDPWSSD.</summary>
    private struct DpwssdPairs : DepthwiseAvx2.IPairDot
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Add(Vector256<int> acc, Vector256<short> x, Vector256<short> w)
            => AvxVnni.MultiplyWideningAndAdd(acc, x, w);
    }
}
