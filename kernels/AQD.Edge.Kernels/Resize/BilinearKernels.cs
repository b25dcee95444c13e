// Bilinear resize family: variant list (Scalar twin, AdvSimd, Avx2) and dispatched entry.
// Layout, bounds, rounding: see BilinearParams / BilinearReference.
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Resize;

/// <summary>One implementation of the integer bilinear resize.</summary>
public sealed class BilinearVariant : KernelVariant
{
    internal BilinearVariant(string name, KernelIsa isa)
        : base(name, isa)
    {
    }

    /// <summary>NHWC resize; T is byte (uint8 / unsigned) or sbyte (int8) as in p.Format. Input and output must not overlap.</summary>
    public void Run<T>(BilinearParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
    {
        ElementIo.CheckType<T>(p.Format, "BilinearResize");
        if (input.Length < p.InputElements || output.Length < p.OutputElements)
        {
            throw new ArgumentException($"BilinearResize: spans of {input.Length} and {output.Length} elements for {p.InputElements} -> {p.OutputElements}.");
        }
        switch (Isa)
        {
            case KernelIsa.AdvSimd:
                BilinearSimd.Run<T, BilinearAdvSimd>(p, input, output);
                break;
            case KernelIsa.Avx2:
                BilinearSimd.Run<T, BilinearAvx2>(p, input, output);
                break;
            default:
                BilinearReference.Run(p, input, output);
                break;
        }
    }

}

/// <summary>The integer bilinear resize family.</summary>
public static class BilinearKernels
{
    public static BilinearVariant Scalar { get; } = new("X8ResizeBilinearScalarC1", KernelIsa.Scalar);

    public static IReadOnlyList<BilinearVariant> Variants { get; } =
    [
        Scalar,
        new("X8ResizeBilinearAdvSimdC8", KernelIsa.AdvSimd),
        new("X8ResizeBilinearAvx2C8", KernelIsa.Avx2),
    ];

    public static BilinearVariant Selected => KernelTable.Select(Variants);

    public static void Run<T>(BilinearParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
        => Selected.Run(p, input, output);
}
