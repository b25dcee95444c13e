using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Requantize;

/// <summary>
/// The shared output stage of every accumulating kernel (conv, depthwise, pooling sums): int32
/// accumulators + bias -> the requantization rule -> the output's storage. See
/// <see cref="RequantizeStoreReference"/> for layout and arithmetic; variants must equal it bit
/// for bit.
/// </summary>
public static class RequantizeStore
{
    /// <summary>Signature shared by all variants.</summary>
    public delegate void Fn(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
        RequantParams p, ActivationFormat outFormat, Span<byte> output, int outPixelBytes);

    public static IReadOnlyList<RequantizeStoreVariant> Variants { get; } =
    [
        new("Qs32RequantStoreScalar", KernelIsa.Scalar, RequantizeStoreReference.Run),
        new("Qs32RequantStore8AdvSimd", KernelIsa.AdvSimd, RequantizeStoreSimd.RunAdvSimd),
        new("Qs32RequantStore8Avx2", KernelIsa.Avx2, RequantizeStoreSimd.RunAvx2),
    ];

    /// <summary>The variant <see cref="KernelTable"/> picks for this CPU (or the forced ISA).</summary>
    public static RequantizeStoreVariant Selected => KernelTable.Select(Variants);
}

/// <summary>One output-stage implementation.</summary>
public sealed class RequantizeStoreVariant(string name, KernelIsa isa, RequantizeStore.Fn run) : KernelVariant(name, isa)
{
    public RequantizeStore.Fn Run { get; } = run;
}
