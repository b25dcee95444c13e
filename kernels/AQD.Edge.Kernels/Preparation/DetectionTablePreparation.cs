using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Preparation;

/// <summary>
/// Preparation-time only (float allowed here): the 256-entry tables of the DETC section from the
/// real quantization of the head outputs (value = scale * (q - zeroPoint)). Every table is indexed
/// by the raw byte pattern (byte)q, except <see cref="GflExp"/> (indexed by max - q). Rounding:
/// nearest, ties away from zero, then clamped to the table's range (DetectionParams.Validate).
/// </summary>
public static class DetectionTablePreparation
{
    private const double ScoreOne = DetectionFixedPoint.ScoreOne;
    private const double OnePixel = DetectionFixedPoint.OnePixel;

    /// <summary>Q16 score of each raw byte: clamp(f(value), 0, 1) * 65536.</summary>
    public static int[] Score(Func<double, double> f, double scale, int zeroPoint, bool signed)
        => Build(scale, zeroPoint, signed, x => Math.Clamp(f(x), 0, 1) * ScoreOne, 0, DetectionFixedPoint.ScoreOne);

    /// <summary>Scores that already are probabilities (NanoDet's cls after its sigmoid op, scale 1/256): identity.</summary>
    public static int[] ScoreProbability(double scale, int zeroPoint, bool signed) => Score(x => x, scale, zeroPoint, signed);

    /// <summary>Scores that are logits: sigmoid.</summary>
    public static int[] ScoreSigmoid(double scale, int zeroPoint, bool signed) => Score(Sigmoid, scale, zeroPoint, signed);

    /// <summary>GFL: entry k = 65536 * exp(-k * scale), k = row max - raw in 0..255.</summary>
    public static int[] GflExp(double scale)
    {
        CheckScale(scale);
        var t = new int[DetectionParams.TableSize];
        for (int k = 0; k < t.Length; k++)
        {
            t[k] = (int)Math.Clamp(Math.Round(ScoreOne * Math.Exp(-k * scale), MidpointRounding.AwayFromZero), 0, ScoreOne);
        }
        return t;
    }

    /// <summary>FCOS: Q8 distance of each raw byte, stride * g(value) with g = relu (normalized targets) or exp.</summary>
    public static int[] FcosDistance(double scale, int zeroPoint, bool signed, int stride, bool exponential)
        => Build(scale, zeroPoint, signed, x => stride * OnePixel * (exponential ? Math.Exp(Math.Min(x, 20)) : Math.Max(0, x)), 0, DetectionParams.MaxInputSize * 2 * DetectionFixedPoint.OnePixel);

    /// <summary>RetinaNet: Q16 delta (dx or dy) divided by the box-coder weight.</summary>
    public static int[] RetinaDelta(double scale, int zeroPoint, bool signed, double weight = 1)
        => Build(scale, zeroPoint, signed, x => ScoreOne * x / weight, -(1 << 24), 1 << 24);

    /// <summary>RetinaNet: Q16 exp(dw / weight) with dw clamped at ln(1000 / 16) (torchvision / detectron).</summary>
    public static int[] RetinaExp(double scale, int zeroPoint, bool signed, double weight = 1)
        => Build(scale, zeroPoint, signed, x => ScoreOne * Math.Exp(Math.Min(x / weight, Math.Log(1000.0 / 16))), 0, 1 << 24);

    /// <summary>
    /// The raw class threshold: the smallest raw value (in the element's order) whose real score
    /// f(value) is strictly above permille / 1000, as a float decode of the same quantized values
    /// decides; the value past the top when none is.
    /// </summary>
    public static int ClassThreshold(Func<double, double> f, double scale, int zeroPoint, bool signed, int permille)
        => ClassThreshold(f, scale, zeroPoint, signed ? ActivationStorage.Int8 : ActivationStorage.UInt8, permille);

    /// <summary>The same for any class storage (uint8, int8, int16).</summary>
    public static int ClassThreshold(Func<double, double> f, double scale, int zeroPoint, ActivationStorage storage, int permille)
    {
        CheckScale(scale);
        var (lo, hi) = BestClassScanShape.Range(storage);
        for (int q = lo; q <= hi; q++)
        {
            if ((float)f((float)(scale * (q - zeroPoint))) > permille / 1000f)
            {
                return q;
            }
        }
        return hi + 1;
    }

    /// <summary>
    /// int16 probability scores (zero point 0): multiplier and shift with raw * M / 2^S = raw * scale * 65536
    /// (S = 20; exact for power-of-two scales such as 2^-15).
    /// </summary>
    public static (int Multiplier, int Shift) LinearScore(double scale)
    {
        CheckScale(scale);
        const int shift = 20;
        double m = Math.Round(scale * DetectionFixedPoint.ScoreOne * (1 << shift));
        if (m < 1 || m > 1 << 30)
        {
            throw new ArgumentException($"detection tables: int16 score scale {scale} gives multiplier {m} outside 1..2^30.", nameof(scale));
        }
        return ((int)m, shift);
    }

    /// <summary>
    /// Input tables: network channel k gets round_half_even(((v - mean[k]) / std[k]) / inputScale) + zeroPoint,
    /// clamped to 0..255, for each pixel value v (the pack-model input quantization, InputNormalization.Quantize).
    /// </summary>
    public static int[][] InputTables(IReadOnlyList<double> mean, IReadOnlyList<double> std, double inputScale, int zeroPoint)
    {
        CheckScale(inputScale);
        var t = new int[mean.Count][];
        for (int k = 0; k < t.Length; k++)
        {
            t[k] = new int[DetectionParams.TableSize];
            for (int v = 0; v < DetectionParams.TableSize; v++)
            {
                double x = (v - (float)mean[k]) / (double)(float)std[k];
                t[k][v] = (int)Math.Clamp(Math.Round(x / (float)inputScale, MidpointRounding.ToEven) + zeroPoint, 0, 255);
            }
        }
        return t;
    }

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static int[] Build(double scale, int zeroPoint, bool signed, Func<double, double> f, int lo, int hi)
    {
        CheckScale(scale);
        var t = new int[DetectionParams.TableSize];
        for (int v = 0; v < t.Length; v++)
        {
            int q = DetectionParams.Index(v, signed);
            double y = f(scale * (q - zeroPoint));
            t[(byte)q] = (int)Math.Clamp(Math.Round(y, MidpointRounding.AwayFromZero), lo, hi);
        }
        return t;
    }

    private static void CheckScale(double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentException($"detection tables: scale {scale} must be a positive finite number.", nameof(scale));
        }
    }
}
