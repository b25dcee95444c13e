using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>
/// The depthwise convolution family's variants (names: int16-widened activations x int16 weights,
/// 16 channels per block, taps packed by 2). <see cref="KernelTable.Select{T}"/> picks one.
/// </summary>
public static class DepthwiseKernels
{
    public static DepthwiseVariant Scalar { get; } = new(
        "Qs16Qs16Dwconv16c2Scalar", KernelIsa.Scalar, DepthwiseReference.Widen, DepthwiseReference.Accumulate);

    public static DepthwiseVariant AdvSimd { get; } = new(
        "Qs16Qs16Dwconv16c2AdvSimd", KernelIsa.AdvSimd, DepthwiseAdvSimd.Widen, DepthwiseAdvSimd.Accumulate);

    public static DepthwiseVariant Avx2 { get; } = new(
        "Qs16Qs16Dwconv16c2Avx2", KernelIsa.Avx2, DepthwiseAvx2.Widen, DepthwiseAvx2.Accumulate);

    /// <summary>Every variant, supported on this CPU or not; Scalar first.</summary>
    public static IReadOnlyList<DepthwiseVariant> Variants { get; } = [Scalar, AdvSimd, Avx2];

    /// <summary>The variant the kernel table selects for this CPU (honouring a forced ISA).</summary>
    public static DepthwiseVariant Selected => KernelTable.Select(Variants);
}
