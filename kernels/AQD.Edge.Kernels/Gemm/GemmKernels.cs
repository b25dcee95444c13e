using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Kernels.Gemm;

/// <summary>One ISA implementation of the Qu8Qs8Gemm4x8c4 family (convolution and fully connected core).</summary>
public sealed class GemmVariant : KernelVariant
{
    internal GemmVariant(string name, KernelIsa isa, GemmMicrokernel kernel)
        : base(name, isa)
    {
        Kernel = kernel;
    }

    internal GemmMicrokernel Kernel { get; }
}

/// <summary>The variant list of the Qu8Qs8Gemm4x8c4 family; the choice happens in <see cref="KernelTable"/>.</summary>
public static class GemmKernels
{
    public static GemmVariant Scalar { get; } = new("Qu8Qs8Gemm4x8c4Scalar", KernelIsa.Scalar, new Qu8Qs8Gemm4x8c4Scalar());

    public static IReadOnlyList<GemmVariant> Variants { get; } =
    [
        Scalar,
        new("Qu8Qs8Gemm8x8c4Avx2", KernelIsa.Avx2, new Qu8Qs8Gemm8x8c4Avx2()),
        new("Qu8Qs8Gemm8x8c4AvxVnni", KernelIsa.AvxVnni, new Qu8Qs8Gemm8x8c4AvxVnni()),
        new("Qu8Qs8Gemm4x8c4AdvSimd", KernelIsa.AdvSimd, new Qu8Qs8Gemm4x8c4AdvSimd()),
        new("Qu8Qs8Gemm4x8c4AdvSimdDp", KernelIsa.AdvSimdDp, new Qu8Qs8Gemm4x8c4AdvSimdDp()),
    ];

    /// <summary>The variant the running CPU (and AQD_KERNELS_ISA) selects.</summary>
    public static GemmVariant Selected => KernelTable.Select(Variants);
}
