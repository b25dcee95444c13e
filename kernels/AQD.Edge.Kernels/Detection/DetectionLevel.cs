// One pyramid level of a detector head as the integer decoder sees it (DETC level record).
// Tables have 256 int32 entries indexed by the raw byte pattern ((byte)x, so int8 -1 is entry 255),
// except the GFL exp table, indexed by (row max - raw) in 0..255. Units: DetectionFixedPoint.
// int16 class scores (probabilities after a sigmoid table, e.g. scale 2^-15) have no table: their
// Q16 score is clamp((raw * ScoreMultiplier) >> ScoreShift, 0, 65536) (64-bit, floor).
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Detection;

/// <summary>Decode parameters of one level; validated by <see cref="DetectionParams.Validate"/>.</summary>
public sealed class DetectionLevel
{
    /// <summary>Feature stride in model-input pixels.</summary>
    public required int Stride { get; init; }
    public required int GridWidth { get; init; }
    public required int GridHeight { get; init; }

    /// <summary>Graph output index of the class scores ([cells][anchors][classes], contiguous).</summary>
    public required int ClassOutput { get; init; }
    /// <summary>Graph output index of the box tensor (GFL: [cells][4][regMax+1]; FCOS: [cells][4]; RetinaNet: [cells][anchors][4]).</summary>
    public required int BoxOutput { get; init; }
    /// <summary>Graph output index of the centerness ([cells][1], FCOS), or -1.</summary>
    public int CenternessOutput { get; init; } = -1;

    /// <summary>Element type of the class scores: uint8, int8 or int16.</summary>
    public ActivationStorage ClassStorage { get; init; } = ActivationStorage.UInt8;
    public bool BoxSigned { get; init; }
    public bool CenternessSigned { get; init; }

    /// <summary>Raw class value a cell's best class must reach (uint8: 0..256, int8: -128..128, int16: -32768..32768; the top value keeps nothing).</summary>
    public required int ClassThreshold { get; init; }

    /// <summary>8-bit class scores: Q16 score (0..65536) of each raw byte, non-decreasing in raw value order; null for int16.</summary>
    public int[]? ScoreTable { get; init; }

    /// <summary>int16 class scores: multiplier (1..2^30) of the linear Q16 score; 0 for 8-bit scores.</summary>
    public int ScoreMultiplier { get; init; }

    /// <summary>int16 class scores: right shift (0..40) of the linear Q16 score; 0 for 8-bit scores.</summary>
    public int ScoreShift { get; init; }

    /// <summary>Q16 score of a raw class value.</summary>
    public int Score(int raw) => ClassStorage == ActivationStorage.Int16
        ? (int)Math.Clamp(((long)raw * ScoreMultiplier) >> ScoreShift, 0, DetectionFixedPoint.ScoreOne)
        : ScoreTable![(byte)raw];

    /// <summary>GFL: Q16 exp(-(max - raw) * scale) indexed by max - raw (entry 0 = 65536, non-increasing, >= 0).
    /// FCOS: Q8 distance in input pixels (stride included) per raw byte, >= 0.
    /// RetinaNet: Q16 delta (dx, dy) per raw byte, |.| &lt;= 2^24.</summary>
    public required int[] BoxTable { get; init; }

    /// <summary>RetinaNet: Q16 exp(dw) per raw byte, 0..2^24; null otherwise.</summary>
    public int[]? BoxExpTable { get; init; }

    /// <summary>FCOS: Q16 centerness (sigmoid) per raw byte, 0..65536; null otherwise.</summary>
    public int[]? CenternessTable { get; init; }

    /// <summary>Cell centre = column * stride + this, in Q8 pixels (NanoDet v0.x: stride / 2 = stride * 128).</summary>
    public required int CenterOffsetQ8 { get; init; }

    /// <summary>RetinaNet: anchor (width, height) pairs in Q8 pixels, one pair per anchor; null otherwise.</summary>
    public int[]? Anchors { get; init; }
}
