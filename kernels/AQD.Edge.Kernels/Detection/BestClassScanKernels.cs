// Best-class scan family (per-cell score threshold + best class): variant list and dispatched entry.
// Layout, bounds, rounding: see BestClassScanReference.
using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Kernels.Detection;

/// <summary>One implementation of the best-class scan.</summary>
public sealed class BestClassScanVariant : KernelVariant
{
    internal BestClassScanVariant(string name, KernelIsa isa)
        : base(name, isa)
    {
    }

    /// <summary>
    /// Writes one <see cref="ScoreHit"/> per row whose best raw score is &gt;= the threshold, in row order,
    /// and returns how many. <paramref name="hits"/> must hold <c>shape.Rows</c> entries.
    /// </summary>
    public int Run(ReadOnlySpan<byte> scores, in BestClassScanShape shape, Span<ScoreHit> hits)
    {
        if (scores.Length < shape.RequiredBytes || hits.Length < shape.Rows)
        {
            throw new ArgumentException($"BestClassScan: {scores.Length} score bytes and {hits.Length} hit slots for {shape.Rows} rows of {shape.RowStride} bytes.");
        }
        return Isa switch
        {
            KernelIsa.AdvSimd => BestClassScanSimd.Run128(scores, shape, hits),
            KernelIsa.Avx2 => BestClassScanSimd.Run256(scores, shape, hits),
            _ => BestClassScanReference.Run(scores, shape, hits),
        };
    }
}

/// <summary>The best-class scan family.</summary>
public static class BestClassScanKernels
{
    public static BestClassScanVariant Scalar { get; } = new("XBestClassScanScalarX1", KernelIsa.Scalar);

    public static IReadOnlyList<BestClassScanVariant> Variants { get; } =
    [
        Scalar,
        new("XBestClassScanAdvSimd128", KernelIsa.AdvSimd),
        new("XBestClassScanAvx2256", KernelIsa.Avx2),
    ];

    public static BestClassScanVariant Selected => KernelTable.Select(Variants);

    public static int Run(ReadOnlySpan<byte> scores, in BestClassScanShape shape, Span<ScoreHit> hits)
        => Selected.Run(scores, shape, hits);
}
