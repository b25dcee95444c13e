// The whole decode description of a detector (the DETC section's content, see docs/blob-format.md):
// family, thresholds, limits, per-level tables, and the input quantization of the preprocessing.
// Validate() states every rule; errors name the field path ("levels[1].stride") as ParamName.
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Detection;

/// <summary>Integer decode parameters of a detector.</summary>
public sealed class DetectionParams
{
    public const int TableSize = 256;
    public const int MaxLevels = 8;
    public const int MaxClasses = 100000;
    public const int MaxRegMax = 64;
    public const int MaxAnchorsPerCell = 64;
    public const int MaxInputSize = 16384;
    public const int MaxDetectionsLimit = 10000;

    public required DetectionFamily Family { get; init; }
    public required int NumClasses { get; init; }
    public required int InputWidth { get; init; }
    public required int InputHeight { get; init; }

    /// <summary>GFL bins per side minus one (0 for other families).</summary>
    public int RegMax { get; init; }

    /// <summary>Anchors per cell (RetinaNet; 1 otherwise).</summary>
    public int AnchorsPerCell { get; init; } = 1;

    /// <summary>The threshold the levels' ClassThreshold values were derived from (informative).</summary>
    public required int ScoreThresholdPermille { get; init; }
    public required int IouThresholdPermille { get; init; }
    public required int MaxDetections { get; init; }

    /// <summary>Candidates kept per class before NMS (highest scores first).</summary>
    public required int TopKPerClass { get; init; }

    public required IReadOnlyList<DetectionLevel> Levels { get; init; }

    /// <summary>Preprocessing: network input channel k takes pixel channel InputSource[k] (RGB order: 0 R, 1 G, 2 B; 0 for gray).</summary>
    public required int[] InputSource { get; init; }

    /// <summary>Preprocessing: per network channel, the input byte for each 8-bit pixel value (256 entries, 0..255).</summary>
    public required int[][] InputTables { get; init; }

    /// <summary>Checks every rule; the first failure is an <see cref="ArgumentException"/> whose ParamName is the field path.</summary>
    public void Validate()
    {
        Rule(Enum.IsDefined(Family), "family", (int)Family, "1 (gfl), 2 (fcos) or 3 (retinanet)");
        Rule(NumClasses is >= 1 and <= MaxClasses, "numClasses", NumClasses, $"1..{MaxClasses}");
        Rule(InputWidth is >= 1 and <= MaxInputSize, "inputWidth", InputWidth, $"1..{MaxInputSize}");
        Rule(InputHeight is >= 1 and <= MaxInputSize, "inputHeight", InputHeight, $"1..{MaxInputSize}");
        Rule(Family == DetectionFamily.Gfl ? RegMax is >= 1 and <= MaxRegMax : RegMax == 0, "regMax", RegMax,
            Family == DetectionFamily.Gfl ? $"1..{MaxRegMax} for gfl" : "0 unless gfl");
        Rule(Family == DetectionFamily.RetinaNet ? AnchorsPerCell is >= 1 and <= MaxAnchorsPerCell : AnchorsPerCell == 1, "anchorsPerCell", AnchorsPerCell,
            Family == DetectionFamily.RetinaNet ? $"1..{MaxAnchorsPerCell} for retinanet" : "1 unless retinanet");
        Rule(ScoreThresholdPermille is >= 0 and <= 1000, "scoreThresholdPermille", ScoreThresholdPermille, "0..1000");
        Rule(IouThresholdPermille is >= 1 and <= 1000, "iouThresholdPermille", IouThresholdPermille, "1..1000");
        Rule(MaxDetections is >= 1 and <= MaxDetectionsLimit, "maxDetections", MaxDetections, $"1..{MaxDetectionsLimit}");
        Rule(TopKPerClass is >= 1 and <= 1 << 20, "topKPerClass", TopKPerClass, "1..2^20");
        Rule(Levels is { Count: >= 1 and <= MaxLevels }, "levelCount", Levels?.Count ?? 0, $"1..{MaxLevels}");
        Rule(InputSource is { Length: 1 or 3 } && InputTables is not null && InputTables.Length == InputSource.Length, "inputChannels", InputSource?.Length ?? 0, "1 or 3, one table each");
        for (int k = 0; k < InputSource!.Length; k++)
        {
            Rule(InputSource[k] >= 0 && InputSource[k] < InputSource.Length, $"inputSource[{k}]", InputSource[k], $"0..{InputSource.Length - 1}");
            Table(InputTables![k], $"inputTables[{k}]", 0, 255);
        }
        long cells = 0;
        for (int i = 0; i < Levels!.Count; i++)
        {
            var l = Levels[i];
            string p = $"levels[{i}].";
            Rule(l.Stride is >= 1 and <= 1024 && (l.Stride & (l.Stride - 1)) == 0, p + "stride", l.Stride, "a power of two in 1..1024");
            Rule(i == 0 || l.Stride > Levels[i - 1].Stride, p + "stride", l.Stride, "strides increase with the level");
            Rule(l.GridWidth is >= 1 and <= MaxInputSize, p + "gridWidth", l.GridWidth, $"1..{MaxInputSize}");
            Rule(l.GridHeight is >= 1 and <= MaxInputSize, p + "gridHeight", l.GridHeight, $"1..{MaxInputSize}");
            cells += (long)l.GridWidth * l.GridHeight * AnchorsPerCell;
            Rule(cells <= 1 << 24, p + "gridHeight", l.GridHeight, "total cells x anchors at most 2^24");
            Rule(l.ClassOutput is >= 0 and < 4096, p + "classOutput", l.ClassOutput, "a graph output index");
            Rule(l.BoxOutput is >= 0 and < 4096 && l.BoxOutput != l.ClassOutput, p + "boxOutput", l.BoxOutput, "a graph output index other than the class output");
            Rule(Family == DetectionFamily.Fcos ? l.CenternessOutput is >= 0 and < 4096 : l.CenternessOutput == -1, p + "centernessOutput", l.CenternessOutput,
                Family == DetectionFamily.Fcos ? "a graph output index" : "-1 unless fcos");
            Rule(l.ClassStorage is ActivationStorage.UInt8 or ActivationStorage.Int8 or ActivationStorage.Int16, p + "flags", (int)l.ClassStorage, "class scores uint8, int8 or int16");
            var (lo, hi) = BestClassScanShape.Range(l.ClassStorage);
            Rule(l.ClassThreshold >= lo && l.ClassThreshold <= hi + 1, p + "classThreshold", l.ClassThreshold, $"{lo}..{hi + 1}");
            Rule(l.CenterOffsetQ8 >= 0 && l.CenterOffsetQ8 <= l.Stride * DetectionFixedPoint.OnePixel, p + "centerOffsetQ8", l.CenterOffsetQ8, "0..stride * 256");
            if (l.ClassStorage == ActivationStorage.Int16)
            {
                Rule(l.ScoreTable is null, p + "scoreTable", 0, "absent for int16 class scores");
                Rule(l.ScoreMultiplier is >= 1 and <= 1 << 30, p + "scoreMultiplier", l.ScoreMultiplier, "1..2^30 for int16 class scores");
                Rule(l.ScoreShift is >= 0 and <= 40, p + "scoreShift", l.ScoreShift, "0..40 for int16 class scores");
            }
            else
            {
                Rule(l.ScoreMultiplier == 0, p + "scoreMultiplier", l.ScoreMultiplier, "0 for 8-bit class scores");
                Rule(l.ScoreShift == 0, p + "scoreShift", l.ScoreShift, "0 for 8-bit class scores");
                bool signed = l.ClassStorage == ActivationStorage.Int8;
                Table(l.ScoreTable, p + "scoreTable", 0, DetectionFixedPoint.ScoreOne);
                for (int v = 1; v < TableSize; v++)
                {
                    Rule(l.ScoreTable![(byte)Index(v, signed)] >= l.ScoreTable[(byte)Index(v - 1, signed)], p + "scoreTable", v, "non-decreasing in raw value order");
                }
            }
            switch (Family)
            {
                case DetectionFamily.Gfl:
                    Table(l.BoxTable, p + "boxTable", 0, DetectionFixedPoint.ScoreOne);
                    Rule(l.BoxTable[0] == DetectionFixedPoint.ScoreOne, p + "boxTable", l.BoxTable[0], "entry 0 (exp 0) = 65536");
                    for (int v = 1; v < TableSize; v++)
                    {
                        Rule(l.BoxTable[v] <= l.BoxTable[v - 1], p + "boxTable", v, "non-increasing (exp of -k)");
                    }
                    break;
                case DetectionFamily.Fcos:
                    Table(l.BoxTable, p + "boxTable", 0, MaxInputSize * 2 * DetectionFixedPoint.OnePixel);
                    Table(l.CenternessTable, p + "centernessTable", 0, DetectionFixedPoint.ScoreOne);
                    break;
                default:
                    Table(l.BoxTable, p + "boxTable", -(1 << 24), 1 << 24);
                    Table(l.BoxExpTable, p + "boxExpTable", 0, 1 << 24);
                    Rule(l.Anchors is not null && l.Anchors.Length == 2 * AnchorsPerCell, p + "anchors", l.Anchors?.Length ?? 0, "one (width, height) pair per anchor");
                    for (int a = 0; a < l.Anchors!.Length; a++)
                    {
                        Rule(l.Anchors[a] is >= 1 and <= MaxInputSize * 4 * DetectionFixedPoint.OnePixel, $"{p}anchors[{a}]", l.Anchors[a], "1..2^24 (Q8 pixels)");
                    }
                    break;
            }
            Rule(Family == DetectionFamily.Fcos || l.CenternessTable is null, p + "centernessTable", 0, "only fcos has one");
            Rule(Family == DetectionFamily.RetinaNet || (l.BoxExpTable is null && l.Anchors is null), p + "anchors", 0, "only retinanet has anchors and an exp table");
        }
    }

    /// <summary>Raw value of the v-th smallest element (v in 0..255) in the element's order.</summary>
    public static int Index(int v, bool signed) => signed ? v - 128 : v;

    private static void Table(int[]? t, string field, int lo, int hi)
    {
        Rule(t is { Length: TableSize }, field, t?.Length ?? 0, $"{TableSize} entries");
        for (int i = 0; i < TableSize; i++)
        {
            Rule(t![i] >= lo && t[i] <= hi, $"{field}[{i}]", t[i], $"{lo}..{hi}");
        }
    }

    private static void Rule(bool ok, string field, int value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"{field} = {value}: must be {rule}.", field);
        }
    }
}
