namespace AQD.Edge.Kernels.Dispatch;

/// <summary>One kernel family as the registry lists it: its name and all its variants (Scalar included).</summary>
/// <param name="Name">Short family name, e.g. <c>gemm</c>, <c>dwconv3x3</c>.</param>
/// <param name="Variants">Every variant of the family, the scalar twin among them.</param>
public sealed record KernelFamily(string Name, IReadOnlyList<IKernelVariant> Variants);

/// <summary>
/// Registry of every kernel family, used by reports (which variants exist, which are supported,
/// which <see cref="KernelTable.Select{T}"/> picks on this CPU) and by tests that must cover all
/// families. Registering a family = adding one line to <see cref="All"/>; keep the list sorted by name.
/// </summary>
public static class KernelFamilies
{
    /// <summary>All families. Add one line per family: <c>new("gemm", GemmKernels.Variants),</c></summary>
    public static IReadOnlyList<KernelFamily> All { get; } =
    [
        new("best-class-scan", Detection.BestClassScanKernels.Variants),
        new("bilinear-resize", Resize.BilinearKernels.Variants),
        new("depthwise-conv", Depthwise.DepthwiseKernels.Variants),
        new("gemm", Gemm.GemmKernels.Variants),
        new("global-average-pool", Pooling.GlobalAveragePoolKernels.Variants),
        new("lookup-table", Elementwise.LookupTableKernels.Variants),
        new("max-pool", Pooling.MaxPoolKernels.Variants),
        new("quantized-add", Elementwise.QuantizedAddKernels.Variants),
        new("requantize", Elementwise.RequantizeKernels.Variants),
        new("requantize-store", Requantize.RequantizeStore.Variants),
    ];

    /// <summary>The variant <see cref="KernelTable"/> selects for a family on this CPU (honouring a forced ISA).</summary>
    public static IKernelVariant Selected(KernelFamily family) => KernelTable.Select(family.Variants);
}
