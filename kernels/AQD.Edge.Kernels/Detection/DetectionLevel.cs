// One pyramid level of a detector head as the integer decoder sees it (DETC level record).
// Tables have 256 int32 entries indexed by the raw byte pattern ((byte)x, so int8 -1 is entry 255),
// except the GFL exp table, indexed by (row max - raw) in 0..255. Units: DetectionFixedPoint.
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

    public bool ClassSigned { get; init; }
    public bool BoxSigned { get; init; }
    public bool CenternessSigned { get; init; }

    /// <summary>Raw class value a cell's best class must reach (uint8: 0..256, int8: -128..128; the top value keeps nothing).</summary>
    public required int ClassThreshold { get; init; }

    /// <summary>Q16 score (0..65536) of each raw class byte; non-decreasing in raw value order.</summary>
    public required int[] ScoreTable { get; init; }

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
