// Quantized Add family: the variant list (Scalar twin, AdvSimd, Avx2) and the dispatched entry.
// Layout, bounds, rounding: see QuantizedAddParams / QuantizedAddReference.
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>One implementation of the quantized Add.</summary>
public sealed class QuantizedAddVariant : KernelVariant
{
    internal QuantizedAddVariant(string name, KernelIsa isa)
        : base(name, isa)
    {
    }

    /// <summary>
    /// output[i] = A + B requantized, for i in [0, p.Length). Element types: byte for uint8 /
    /// unsigned, sbyte for int8, short for int16, matching the formats in <paramref name="p"/>.
    /// The output may be the same memory as an input (exactly), not a partial overlap.
    /// </summary>
    public void Run<TA, TB, TO>(QuantizedAddParams p, ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, Span<TO> output)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged
    {
        ElementIo.CheckType<TA>(p.A, "QuantizedAdd input a");
        ElementIo.CheckType<TB>(p.B, "QuantizedAdd input b");
        ElementIo.CheckType<TO>(p.Output, "QuantizedAdd output");
        if (a.Length < p.Length || b.Length < p.Length || output.Length < p.Length)
        {
            throw new ArgumentException(
                $"QuantizedAdd: spans of {a.Length}, {b.Length}, {output.Length} elements for length {p.Length}.");
        }
        switch (Isa)
        {
            case KernelIsa.AdvSimd:
                QuantizedAddAdvSimd.Run(p, a, b, output);
                break;
            case KernelIsa.Avx2:
                QuantizedAddAvx2.Run(p, a, b, output);
                break;
            default:
                QuantizedAddReference.Run(p, a, b, output);
                break;
        }
    }

}

/// <summary>The quantized Add family (residual and FPN adds).</summary>
public static class QuantizedAddKernels
{
    public static QuantizedAddVariant Scalar { get; } = new("QVaddScalarX1", KernelIsa.Scalar);

    public static IReadOnlyList<QuantizedAddVariant> Variants { get; } =
    [
        Scalar,
        new("QVaddAdvSimdX8", KernelIsa.AdvSimd),
        new("QVaddAvx2X8", KernelIsa.Avx2),
    ];

    /// <summary>The variant chosen by <see cref="KernelTable.Select{T}"/> (evaluated on each call, so a forced ISA applies).</summary>
    public static QuantizedAddVariant Selected => KernelTable.Select(Variants);

    /// <summary>Runs the selected variant.</summary>
    public static void Run<TA, TB, TO>(QuantizedAddParams p, ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, Span<TO> output)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged
        => Selected.Run(p, a, b, output);
}
