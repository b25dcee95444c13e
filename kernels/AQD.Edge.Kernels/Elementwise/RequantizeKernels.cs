// Requantize family: the variant list (Scalar twin, AdvSimd, Avx2) and the dispatched entry.
// Layout, bounds, rounding: see RequantizeParams / RequantizeReference. Packed input or output
// runs the scalar pixel loop in every variant.
using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>One implementation of the Requantize op.</summary>
public sealed class RequantizeVariant : KernelVariant
{
    internal RequantizeVariant(string name, KernelIsa isa)
        : base(name, isa)
    {
    }

    /// <summary>
    /// Converts <paramref name="input"/> (p.InputBytes bytes in p.Input's storage) into
    /// <paramref name="output"/> (p.OutputBytes bytes in p.Output's storage). The spans must not overlap.
    /// </summary>
    public void Run(RequantizeParams p, ReadOnlySpan<byte> input, Span<byte> output)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (input.Length < p.InputBytes || output.Length < p.OutputBytes)
        {
            throw new ArgumentException(
                $"Requantize: spans of {input.Length} and {output.Length} bytes for {p.InputBytes} input and {p.OutputBytes} output bytes.");
        }
        switch (Isa)
        {
            case KernelIsa.AdvSimd:
                RequantizeAdvSimd.Run(p, input, output);
                break;
            case KernelIsa.Avx2:
                RequantizeAvx2.Run(p, input, output);
                break;
            default:
                RequantizeReference.Run(p, input, output);
                break;
        }
    }
}

/// <summary>The Requantize family (format conversions between activation formats, e.g. int8 residual to packed 4-bit).</summary>
public static class RequantizeKernels
{
    public static RequantizeVariant Scalar { get; } = new("QVrequantScalarX1", KernelIsa.Scalar);

    public static IReadOnlyList<RequantizeVariant> Variants { get; } =
    [
        Scalar,
        new("QVrequantAdvSimdX8", KernelIsa.AdvSimd),
        new("QVrequantAvx2X8", KernelIsa.Avx2),
    ];

    /// <summary>The variant chosen by <see cref="KernelTable.Select{T}"/> (evaluated on each call, so a forced ISA applies).</summary>
    public static RequantizeVariant Selected => KernelTable.Select(Variants);

    /// <summary>Runs the selected variant.</summary>
    public static void Run(RequantizeParams p, ReadOnlySpan<byte> input, Span<byte> output) => Selected.Run(p, input, output);
}
