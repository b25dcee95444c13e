using System.Text.Json;
using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Detection.Tests;

/// <summary>
/// NanoDet-g-416's golden ONNX Runtime outputs (tests/data/models/nanodet-g-416/golden), quantized
/// the way the int8 blob emits them (cls after the sigmoid table: uint8 at scale 1/256 or int16 at
/// 1/32768 (the bundled blob's choice), zero point 0; dis: int8, symmetric scale calibrated as
/// max |logit| / 127 over both photos), decoded by the integer
/// decoder and by the float reference on the same quantized values: same labels in the same order,
/// boxes within 1 pixel of the original image; and the float reference on the quantized values
/// finds the golden detections of the README (labels and order).
/// </summary>
[Trait("Arm64", "decode")]   // also run under qemu (tests/run-all.sh)
public class GoldenNanoDetDecodeTests
{
    private static readonly int[] Strides = [8, 16, 32];
    private const int RegMax = 10, Classes = 80, Size = 416;

    private static readonly Lazy<double> DisScale = new(() =>
        new[] { "dog", "person" }.SelectMany(i => Strides.Select(s => Load(i, "dis", s))).Max(a => a.Max(v => Math.Abs(v))) / 127);

    private static float[] Load(string image, string kind, int stride)
        => TestData.ReadF32(Path.Combine(TestData.Golden, $"{image}.{kind}_pred_stride_{stride}.f32"));

    private static double ClsScale(int bits) => bits == 16 ? 1.0 / 32768 : 1.0 / 256;

    private static byte[] QuantizeCls(float[] p, int bits)
        => bits == 16 ? [.. p.SelectMany(v => BitConverter.GetBytes((short)Math.Clamp(Math.Round(v * 32768), 0, 32767)))] : Quant.UInt8(p, 1.0 / 256);

    private static float[] DequantizeCls(byte[] q, int bits)
        => bits == 16 ? [.. Enumerable.Range(0, q.Length / 2).Select(i => BitConverter.ToInt16(q, 2 * i) / 32768f)] : Quant.DequantUInt8(q, 1.0 / 256);

    internal static DetectionParams Tables(double disScale, int clsBits, int scorePermille = 350) => new()
    {
        Family = DetectionFamily.Gfl, NumClasses = Classes, InputWidth = Size, InputHeight = Size, RegMax = RegMax,
        ScoreThresholdPermille = scorePermille, IouThresholdPermille = 600, MaxDetections = 100, TopKPerClass = 1000,
        InputSource = [2, 1, 0], InputTables = [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 256).ToArray())],
        Levels = [.. Strides.Select((s, i) => new DetectionLevel
        {
            Stride = s, GridWidth = Size / s, GridHeight = Size / s, ClassOutput = i, BoxOutput = 3 + i, BoxSigned = true,
            ClassStorage = clsBits == 16 ? ActivationStorage.Int16 : ActivationStorage.UInt8,
            ClassThreshold = DetectionTablePreparation.ClassThreshold(x => x, ClsScale(clsBits), 0, clsBits == 16 ? ActivationStorage.Int16 : ActivationStorage.UInt8, scorePermille),
            ScoreTable = clsBits == 16 ? null : DetectionTablePreparation.ScoreProbability(ClsScale(clsBits), 0, false),
            ScoreMultiplier = clsBits == 16 ? DetectionTablePreparation.LinearScore(ClsScale(clsBits)).Multiplier : 0,
            ScoreShift = clsBits == 16 ? DetectionTablePreparation.LinearScore(ClsScale(clsBits)).Shift : 0,
            BoxTable = DetectionTablePreparation.GflExp(disScale),
            CenterOffsetQ8 = s * 128,
        })],
    };

    private static FloatHeads Heads => new() { Family = "nanodet", Strides = Strides, InputWidth = Size, InputHeight = Size, NumClasses = Classes, RegMax = RegMax };

    private static (string Label, int X1, int Y1, int X2, int Y2)[] Golden(string image)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Golden, "detections.json")));
        var img = doc.RootElement.GetProperty("images").EnumerateArray().Single(e => e.GetProperty("image").GetString() == image + ".jpg");
        return [.. img.GetProperty("detections").EnumerateArray().Select(d =>
        {
            var b = d.GetProperty("box").EnumerateArray().Select(v => (int)Math.Round(v.GetDouble())).ToArray();
            return (d.GetProperty("label").GetString()!, b[0], b[1], b[2], b[3]);
        })];
    }

    [Theory]
    [InlineData("dog", 768, 576, 8)]
    [InlineData("person", 640, 424, 8)]
    [InlineData("dog", 768, 576, 16)]
    [InlineData("person", 640, 424, 16)]
    public void IntegerDecodeMatchesTheFloatDecodeOfTheSameQuantizedOutputs(string image, int width, int height, int clsBits)
    {
        double disScale = DisScale.Value;
        var cls = Strides.Select(s => QuantizeCls(Load(image, "cls", s), clsBits)).ToArray();
        var dis = Strides.Select(s => Quant.Int8(Load(image, "dis", s), disScale)).ToArray();
        var decoder = new DetectionDecoder(Tables(disScale, clsBits));
        int n = decoder.Decode(new ArrayOutputs([.. cls, .. dis]));
        var reference = FloatReference.Decode(Heads, [.. cls.Select(c => DequantizeCls(c, clsBits))], [.. dis.Select(d => Quant.DequantInt8(d, disScale))]);

        Assert.True(n > 0);
        Assert.Equal(reference.Count, n);
        var place = ImagePlacement.Compute(ResizePolicy.Stretch, width, height, Size, Size);
        double sx = (double)width / Size, sy = (double)height / Size;
        var labels = TestData.CocoLabels();
        for (int i = 0; i < n; i++)
        {
            var got = decoder.Results[i];
            var want = reference[i];
            Assert.Equal((want.ClassId, want.Level, want.Row), (got.ClassId, got.Level, got.Row));
            Assert.Equal(want.Score, got.Score / 65536.0, 6);
            Assert.InRange(place.MapX(got.X1) - want.X1 * sx, -1, 1);
            Assert.InRange(place.MapY(got.Y1) - want.Y1 * sy, -1, 1);
            Assert.InRange(place.MapX(got.X2) - want.X2 * sx, -1, 1);
            Assert.InRange(place.MapY(got.Y2) - want.Y2 * sy, -1, 1);
            TestContext.Current.SendDiagnosticMessage($"{image} cls{clsBits}: {labels[got.ClassId]} {got.Score / 65536.0:F3} " +
                $"[{place.MapX(got.X1)} {place.MapY(got.Y1)} {place.MapX(got.X2)} {place.MapY(got.Y2)}] float [{want.X1 * sx:F1} {want.Y1 * sy:F1} {want.X2 * sx:F1} {want.Y2 * sy:F1}]");
        }
    }

    [Theory]
    [InlineData("dog", 768, 576, 8)]
    [InlineData("person", 640, 424, 8)]
    [InlineData("dog", 768, 576, 16)]
    [InlineData("person", 640, 424, 16)]
    public void QuantizedOutputsStillGiveTheGoldenDetections(string image, int width, int height, int clsBits)
    {
        double disScale = DisScale.Value;
        var cls = Strides.Select(s => QuantizeCls(Load(image, "cls", s), clsBits)).ToArray();
        var dis = Strides.Select(s => Quant.Int8(Load(image, "dis", s), disScale)).ToArray();
        var decoder = new DetectionDecoder(Tables(disScale, clsBits));
        int n = decoder.Decode(new ArrayOutputs([.. cls, .. dis]));
        var golden = Golden(image);
        var labels = TestData.CocoLabels();
        var place = ImagePlacement.Compute(ResizePolicy.Stretch, width, height, Size, Size);
        Assert.Equal(golden.Length, n);
        for (int i = 0; i < n; i++)
        {
            var d = decoder.Results[i];
            Assert.Equal(golden[i].Label, labels[d.ClassId]);
            // int8 box logits move the box a little: within 2 % of the image side
            Assert.InRange(place.MapX(d.X1) - golden[i].X1, -width / 50, width / 50);
            Assert.InRange(place.MapY(d.Y2) - golden[i].Y2, -height / 50, height / 50);
        }
    }
}
