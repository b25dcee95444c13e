// Global average pool family: variant list (Scalar twin, AdvSimd, Avx2) and dispatched entry.
// Layout, bounds, rounding: see GlobalAveragePoolParams / GlobalAveragePoolReference.
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Pooling;

/// <summary>One implementation of the global average pool.</summary>
public sealed class GlobalAveragePoolVariant : KernelVariant
{
    internal GlobalAveragePoolVariant(string name, KernelIsa isa)
        : base(name, isa)
    {
    }

    /// <summary>NHWC [N][H][W][C] to [N][C]; TI/TO are byte (uint8) or sbyte (int8) as in the params.</summary>
    public void Run<TI, TO>(GlobalAveragePoolParams p, ReadOnlySpan<TI> input, Span<TO> output)
        where TI : unmanaged where TO : unmanaged
    {
        ElementIo.CheckType<TI>(p.Input, "GlobalAveragePool input");
        ElementIo.CheckType<TO>(p.Output, "GlobalAveragePool output");
        if (input.Length < p.Batch * p.Height * p.Width * p.Channels || output.Length < p.Batch * p.Channels)
        {
            throw new ArgumentException(
                $"GlobalAveragePool: spans of {input.Length} and {output.Length} elements for {p.Batch}x{p.Height}x{p.Width}x{p.Channels}.");
        }
        switch (Isa)
        {
            case KernelIsa.AdvSimd:
                GlobalAveragePoolSimd.Run<TI, TO, GapAdvSimd>(p, input, output);
                break;
            case KernelIsa.Avx2:
                GlobalAveragePoolSimd.Run<TI, TO, GapAvx2>(p, input, output);
                break;
            default:
                GlobalAveragePoolReference.Run(p, input, output);
                break;
        }
    }

}

/// <summary>The global average pool family.</summary>
public static class GlobalAveragePoolKernels
{
    public static GlobalAveragePoolVariant Scalar { get; } = new("QGavgpoolScalarC1", KernelIsa.Scalar);

    public static IReadOnlyList<GlobalAveragePoolVariant> Variants { get; } =
    [
        Scalar,
        new("QGavgpoolAdvSimdC8", KernelIsa.AdvSimd),
        new("QGavgpoolAvx2C8", KernelIsa.Avx2),
    ];

    public static GlobalAveragePoolVariant Selected => KernelTable.Select(Variants);

    public static void Run<TI, TO>(GlobalAveragePoolParams p, ReadOnlySpan<TI> input, Span<TO> output)
        where TI : unmanaged where TO : unmanaged
        => Selected.Run(p, input, output);
}
