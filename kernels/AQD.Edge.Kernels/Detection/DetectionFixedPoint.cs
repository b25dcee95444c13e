// Fixed-point units shared by every detection kernel (integer only).
//   scores:       Q16, 0 .. 65536 (1.0 = 65536), from a 256-entry score table
//   coordinates:  Q8 model-input pixels (1 px = 256); a 16384-px input is 2^22, so areas fit in 2^45
//   per mille:    thresholds given by the user (score, IoU)
namespace AQD.Edge.Kernels.Detection;

/// <summary>Units and conversions of the detection kernels.</summary>
public static class DetectionFixedPoint
{
    /// <summary>Fractional bits of coordinates (Q8).</summary>
    public const int CoordinateBits = 8;

    /// <summary>One pixel in coordinate units.</summary>
    public const int OnePixel = 1 << CoordinateBits;

    /// <summary>Fractional bits of scores and table probabilities (Q16).</summary>
    public const int ScoreBits = 16;

    /// <summary>Score 1.0.</summary>
    public const int ScoreOne = 1 << ScoreBits;

    /// <summary>Q16 score to per mille, rounded half up: (s * 1000 + 2^15) >> 16.</summary>
    public static int ScoreToPermille(int scoreQ16) => (int)(((long)scoreQ16 * 1000 + (ScoreOne >> 1)) >> ScoreBits);

    /// <summary>Whether a Q16 score is strictly above a per-mille threshold: s * 1000 &gt; t * 65536 (exact).</summary>
    public static bool ScoreAbove(int scoreQ16, int thresholdPermille) => (long)scoreQ16 * 1000 > (long)thresholdPermille * ScoreOne;

    /// <summary>Q8 coordinate to whole pixels, rounded half up (coordinates are non-negative after clipping).</summary>
    public static int ToPixels(long q8) => (int)((q8 + (OnePixel >> 1)) >> CoordinateBits);
}
