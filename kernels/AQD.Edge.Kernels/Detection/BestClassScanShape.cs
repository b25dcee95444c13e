// Shape and threshold of one best-class scan (see BestClassScanReference for the layout).
namespace AQD.Edge.Kernels.Detection;

/// <summary>Validated scan geometry: rows x classes inside rows of rowStride bytes, starting at column first.</summary>
public readonly record struct BestClassScanShape
{
    public BestClassScanShape(int rows, int classes, int rowStride, int first, bool signed, int threshold)
    {
        if (rows < 0 || classes < 1 || first < 0 || rowStride < first + classes)
        {
            throw new ArgumentException($"BestClassScan: rows {rows}, classes {classes}, first {first}, rowStride {rowStride} do not describe a tensor (classes >= 1, first + classes <= rowStride).");
        }
        if ((long)rows * rowStride > int.MaxValue)
        {
            throw new ArgumentException($"BestClassScan: {rows} rows of {rowStride} bytes exceed 2^31 - 1.");
        }
        int lo = signed ? sbyte.MinValue : byte.MinValue, hi = signed ? sbyte.MaxValue + 1 : byte.MaxValue + 1;
        if (threshold < lo || threshold > hi)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"BestClassScan: threshold must lie in [{lo}, {hi}] ({(signed ? "int8" : "uint8")} scores; the upper bound keeps nothing).");
        }
        Rows = rows;
        Classes = classes;
        RowStride = rowStride;
        First = first;
        Signed = signed;
        Threshold = threshold;
    }

    public int Rows { get; }
    public int Classes { get; }
    public int RowStride { get; }
    public int First { get; }
    public bool Signed { get; }
    public int Threshold { get; }

    /// <summary>Bytes the score tensor must hold.</summary>
    public int RequiredBytes => Rows == 0 ? 0 : (Rows - 1) * RowStride + First + Classes;
}
