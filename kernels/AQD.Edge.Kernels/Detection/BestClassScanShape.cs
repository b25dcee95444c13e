// Shape and threshold of one best-class scan (see BestClassScanReference for the layout).
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Detection;

/// <summary>Validated scan geometry: rows x classes inside rows of rowStride elements, starting at column first.</summary>
public readonly record struct BestClassScanShape
{
    public BestClassScanShape(int rows, int classes, int rowStride, int first, ActivationStorage storage, int threshold)
    {
        if (rows < 0 || classes < 1 || first < 0 || rowStride < first + classes)
        {
            throw new ArgumentException($"BestClassScan: rows {rows}, classes {classes}, first {first}, rowStride {rowStride} do not describe a tensor (classes >= 1, first + classes <= rowStride).");
        }
        if (storage is not (ActivationStorage.UInt8 or ActivationStorage.Int8 or ActivationStorage.Int16))
        {
            throw new ArgumentException($"BestClassScan: scores must be uint8, int8 or int16, not {storage}.", nameof(storage));
        }
        if ((long)rows * rowStride * (storage == ActivationStorage.Int16 ? 2 : 1) > int.MaxValue)
        {
            throw new ArgumentException($"BestClassScan: {rows} rows of {rowStride} elements exceed 2^31 - 1 bytes.");
        }
        var (lo, hi) = Range(storage);
        if (threshold < lo || threshold > hi + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"BestClassScan: threshold must lie in [{lo}, {hi + 1}] ({storage} scores; the upper bound keeps nothing).");
        }
        Rows = rows;
        Classes = classes;
        RowStride = rowStride;
        First = first;
        Storage = storage;
        Threshold = threshold;
    }

    public int Rows { get; }
    public int Classes { get; }
    public int RowStride { get; }
    public int First { get; }
    public ActivationStorage Storage { get; }
    public int Threshold { get; }

    /// <summary>Bytes per element (1, or 2 for int16).</summary>
    public int ElementBytes => Storage == ActivationStorage.Int16 ? 2 : 1;

    /// <summary>Whether the threshold lies above every representable value (nothing can pass).</summary>
    public bool KeepsNothing => Threshold > Range(Storage).Max;

    /// <summary>Bytes the score tensor must hold.</summary>
    public int RequiredBytes => Rows == 0 ? 0 : ((Rows - 1) * RowStride + First + Classes) * ElementBytes;

    /// <summary>Smallest and largest raw value of a storage.</summary>
    public static (int Min, int Max) Range(ActivationStorage storage) => storage switch
    {
        ActivationStorage.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        ActivationStorage.Int16 => (short.MinValue, short.MaxValue),
        _ => (byte.MinValue, byte.MaxValue),
    };
}
