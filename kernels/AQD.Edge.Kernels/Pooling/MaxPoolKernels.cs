// Max pool family: variant list (Scalar twin, AdvSimd, Avx2) and dispatched entry. Layout and
// tails: see MaxPoolReference / MaxPoolSimd. No accumulator, no rounding.
using System.Runtime.Intrinsics;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Pooling;

/// <summary>One implementation of the max pool.</summary>
public sealed class MaxPoolVariant : KernelVariant
{
    internal MaxPoolVariant(string name, KernelIsa isa)
        : base(name, isa)
    {
    }

    /// <summary>NHWC max pool; T is byte (uint8 / unsigned) or sbyte (int8) as in p.Format.</summary>
    public void Run<T>(MaxPoolParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
    {
        ElementIo.CheckType<T>(p.Format, "MaxPool");
        if (input.Length < p.Geometry.InputElements || output.Length < p.Geometry.OutputElements)
        {
            throw new ArgumentException(
                $"MaxPool: spans of {input.Length} and {output.Length} elements for {p.Geometry}.");
        }
        switch (Isa)
        {
            case KernelIsa.AdvSimd:
                MaxPoolSimd.Run<T, Vector128<byte>, MaxAdvSimd>(p, input, output);
                break;
            case KernelIsa.Avx2:
                MaxPoolSimd.Run<T, Vector256<byte>, MaxAvx2>(p, input, output);
                break;
            default:
                MaxPoolReference.Run(p, input, output);
                break;
        }
    }

}

/// <summary>The max pool family.</summary>
public static class MaxPoolKernels
{
    public static MaxPoolVariant Scalar { get; } = new("X8MaxpoolScalarC1", KernelIsa.Scalar);

    public static IReadOnlyList<MaxPoolVariant> Variants { get; } =
    [
        Scalar,
        new("X8MaxpoolAdvSimdC16", KernelIsa.AdvSimd),
        new("X8MaxpoolAvx2C32", KernelIsa.Avx2),
    ];

    public static MaxPoolVariant Selected => KernelTable.Select(Variants);

    public static void Run<T>(MaxPoolParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
        => Selected.Run(p, input, output);
}
