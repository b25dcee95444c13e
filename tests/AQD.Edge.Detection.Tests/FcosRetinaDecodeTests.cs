using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Preparation;

namespace AQD.Edge.Detection.Tests;

/// <summary>
/// FCOS and RetinaNet integer decodes against the float reference on random quantized heads: the
/// same detections (class, level, row), boxes within 0.05 input pixels, and an order that is the
/// float order except among scores closer than the Q16 rounding (FCOS multiplies two rounded
/// probabilities).
/// </summary>
[Trait("Arm64", "decode")]   // also run under qemu (tests/run-all.sh)
public class FcosRetinaDecodeTests
{
    private const int Size = 96, Classes = 7;
    private static readonly int[] Strides = [8, 16, 32];

    private static byte[] Random(Random rng, int n, int lo, int hi)
        => [.. Enumerable.Range(0, n).Select(_ => (byte)(sbyte)rng.Next(lo, hi + 1))];

    private static void Compare(DetectionDecoder decoder, List<FloatDetection> want, double scoreSlack)
    {
        var got = decoder.Results.ToArray();
        Assert.True(want.Count > 3, $"only {want.Count} float detections: the test would check little");
        Assert.Equal(want.Count, got.Length);
        var byCell = want.ToDictionary(w => (w.Level, w.Row));
        foreach (var g in got)
        {
            Assert.True(byCell.TryGetValue((g.Level, g.Row), out var w), $"integer detection {g} is not a float detection; float: {string.Join("; ", want.Where(x => x.ClassId == g.ClassId).Select(x => $"{x.Score * 65536:F1} L{x.Level} r{x.Row} [{x.X1:F1} {x.Y1:F1} {x.X2:F1} {x.Y2:F1}]"))}");
            Assert.Equal(w.ClassId, g.ClassId);
            Assert.InRange(g.Score / 65536.0 - w.Score, -3.0 / 65536, 3.0 / 65536);
            Assert.InRange(g.X1 / 256.0 - w.X1, -0.05, 0.05);
            Assert.InRange(g.Y1 / 256.0 - w.Y1, -0.05, 0.05);
            Assert.InRange(g.X2 / 256.0 - w.X2, -0.05, 0.05);
            Assert.InRange(g.Y2 / 256.0 - w.Y2, -0.05, 0.05);
        }
        for (int i = 1; i < got.Length; i++)
        {
            Assert.True(byCell[(got[i - 1].Level, got[i - 1].Row)].Score >= byCell[(got[i].Level, got[i].Row)].Score - scoreSlack, $"order differs at {i}");
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void FcosMatchesTheFloatReference(int seed, bool exponential)
    {
        var rng = new Random(seed);
        double clsScale = 0.05, boxScale = exponential ? 0.0213 : 0.0613, ctrScale = 0.04;   // scales off the pixel lattice: no exact IoU ties, where float rounding would decide
        const int clsZp = 10;
        var levels = new List<DetectionLevel>();
        var cls = new List<byte[]>();
        var box = new List<byte[]>();
        var ctr = new List<byte[]>();
        for (int i = 0; i < Strides.Length; i++)
        {
            int s = Strides[i], g = Size / s;
            cls.Add(Random(rng, g * g * Classes, 0, 255));
            box.Add(Random(rng, g * g * 4, exponential ? -128 : -20, 127));
            ctr.Add(Random(rng, g * g, -128, 127));
            levels.Add(new DetectionLevel
            {
                Stride = s, GridWidth = g, GridHeight = g, ClassOutput = i, BoxOutput = 3 + i, CenternessOutput = 6 + i, BoxSigned = true, CenternessSigned = true,
                ClassThreshold = DetectionTablePreparation.ClassThreshold(DetectionTablePreparation.Sigmoid, clsScale, clsZp, false, 700),
                ScoreTable = DetectionTablePreparation.ScoreSigmoid(clsScale, clsZp, false),
                BoxTable = DetectionTablePreparation.FcosDistance(boxScale, 0, true, s, exponential),
                CenternessTable = DetectionTablePreparation.ScoreSigmoid(ctrScale, 0, true),
                CenterOffsetQ8 = s * 128,
            });
        }
        var p = new DetectionParams
        {
            Family = DetectionFamily.Fcos, NumClasses = Classes, InputWidth = Size, InputHeight = Size, ScoreThresholdPermille = 700,
            IouThresholdPermille = 500, MaxDetections = 100, TopKPerClass = 1000, Levels = levels,
            InputSource = [0, 1, 2], InputTables = [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 256).ToArray())],
        };
        var decoder = new DetectionDecoder(p);
        decoder.Decode(new ArrayOutputs([.. cls, .. box, .. ctr]));
        var heads = new FloatHeads
        {
            Family = "fcos", Strides = Strides, InputWidth = Size, InputHeight = Size, NumClasses = Classes, ClassLogits = true,
            FcosExponential = exponential, ScoreThreshold = 0.7, IouThreshold = 0.5,
        };
        var want = FloatReference.Decode(heads, [.. cls.Select(c => Quant.DequantUInt8(c, clsScale, clsZp))],
            [.. box.Select(b => Quant.DequantInt8(b, boxScale))], [.. ctr.Select(c => Quant.DequantInt8(c, ctrScale))]);
        Compare(decoder, want, 3.0 / 65536);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void RetinaNetMatchesTheFloatReference(int seed)
    {
        var rng = new Random(seed);
        double clsScale = 0.06, boxScale = 0.015;
        (double W, double H)[] anchorsOf(int s) => [(4.0 * s, 4.0 * s), (4.0 * s / Math.Sqrt(2), 4.0 * s * Math.Sqrt(2)), (5.0 * s * Math.Sqrt(2), 5.0 * s / Math.Sqrt(2))];
        var levels = new List<DetectionLevel>();
        var cls = new List<byte[]>();
        var box = new List<byte[]>();
        for (int i = 0; i < Strides.Length; i++)
        {
            int s = Strides[i], g = Size / s;
            cls.Add(Random(rng, g * g * 3 * Classes, -128, 40));
            box.Add(Random(rng, g * g * 3 * 4, -128, 127));
            levels.Add(new DetectionLevel
            {
                Stride = s, GridWidth = g, GridHeight = g, ClassOutput = i, BoxOutput = 3 + i, ClassStorage = Kernels.Tensors.ActivationStorage.Int8, BoxSigned = true,
                ClassThreshold = DetectionTablePreparation.ClassThreshold(DetectionTablePreparation.Sigmoid, clsScale, 0, true, 600),
                ScoreTable = DetectionTablePreparation.ScoreSigmoid(clsScale, 0, true),
                BoxTable = DetectionTablePreparation.RetinaDelta(boxScale, 0, true),
                BoxExpTable = DetectionTablePreparation.RetinaExp(boxScale, 0, true),
                Anchors = [.. anchorsOf(s).SelectMany(a => new[] { (int)Math.Round(a.W * 256), (int)Math.Round(a.H * 256) })],
                CenterOffsetQ8 = 0,
            });
        }
        var p = new DetectionParams
        {
            Family = DetectionFamily.RetinaNet, NumClasses = Classes, InputWidth = Size, InputHeight = Size, AnchorsPerCell = 3,
            ScoreThresholdPermille = 600, IouThresholdPermille = 500, MaxDetections = 100, TopKPerClass = 1000, Levels = levels,
            InputSource = [0, 1, 2], InputTables = [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 256).ToArray())],
        };
        var decoder = new DetectionDecoder(p);
        decoder.Decode(new ArrayOutputs([.. cls, .. box]));
        var heads = new FloatHeads
        {
            Family = "retinanet", Strides = Strides, InputWidth = Size, InputHeight = Size, NumClasses = Classes, ClassLogits = true,
            CenterOffset = 0, ScoreThreshold = 0.6, IouThreshold = 0.5,
            Anchors = [.. Strides.Select(s => anchorsOf(s).Select(a => (Math.Round(a.W * 256) / 256, Math.Round(a.H * 256) / 256)).ToArray())],
        };
        var want = FloatReference.Decode(heads, [.. cls.Select(c => Quant.DequantInt8(c, clsScale))], [.. box.Select(b => Quant.DequantInt8(b, boxScale))]);
        Compare(decoder, want, 1.0 / 65536);
    }
}
