using System.Collections.Concurrent;
using AQD.Edge.Aqd;
using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Detection.Tests;

/// <summary>
/// Contract C2: AQD FCOS-R18 and RetinaNet-R18 blobs written by AqdBlobWriter (random weights, BN and
/// clips calibrated on dog.jpg, M4F8L8, 128x128) open as Detectors and detect on real photos. The
/// integer result (DETC tables, integer preprocessing, decode, NMS, mapping to the photo) is compared
/// with <see cref="AqdFloatDecode"/> of the same engine outputs dequantized: the same detections in the
/// same order (up to scores closer than the Q16 rounding), labels, scores within a table step (Q16) and
/// one per mille, boxes within one pixel of the photo — stretch and letterbox.
/// </summary>
public sealed class AqdDetectorTests
{
    private const int Size = 128, MaxDetections = 1000;

    private static readonly ConcurrentDictionary<(AqdFamily Family, bool Narrow), Lazy<AqdNetwork>> Networks = new();

    /// <summary>
    /// ResNet-18 networks at 128x128, built once per process. FCOS with 80 classes (the blob gets the COCO
    /// names), RetinaNet with 12 (class0..class11). Narrow: backbone width 8, FPN / head width 16, the
    /// fast variant of the arm64 runs (same structure, 1/64 of the MACs).
    /// </summary>
    private static AqdNetwork Network(AqdFamily family, bool narrow) => Networks.GetOrAdd((family, narrow), key => new(() =>
    {
        var o = new AqdModelOptions
        {
            Family = key.Family, InputWidth = Size, InputHeight = Size, Seed = key.Family == AqdFamily.Fcos ? 21 : 22,
            NumClasses = key.Family == AqdFamily.Fcos ? 80 : 12,
        };
        if (key.Narrow)
        {
            o = o with { BackboneWidth = 8, FpnChannels = 16 };
        }
        return AqdNetworkBuilder.Build(o, AqdImages.LoadBgr(Path.Combine(TestData.Images, "dog.jpg"), Size, Size));
    })).Value;

    public static TheoryData<AqdFamily, string, string, int> Cases() => new()
    {
        { AqdFamily.Fcos, "stretch", "person.jpg", 50 },
        { AqdFamily.Fcos, "letterbox", "eagle.jpg", 50 },
        { AqdFamily.RetinaNet, "stretch", "eagle.jpg", 700 },
        { AqdFamily.RetinaNet, "letterbox", "person.jpg", 700 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IntegerDetectorMatchesTheFloatDecode(AqdFamily family, string resize, string photo, int scorePermille)
        => Compare(Network(family, narrow: false), resize, photo, scorePermille);

    /// <summary>The same on the narrow networks (the decode subset of the arm64 runs under qemu).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Arm64", "decode")]
    public void NarrowIntegerDetectorMatchesTheFloatDecode(AqdFamily family, string resize, string photo, int scorePermille)
        => Compare(Network(family, narrow: true), resize, photo, scorePermille);

    private static void Compare(AqdNetwork net, string resize, string photo, int scorePermille)
    {
        var family = net.Options.Family;
        var blob = AqdBlobWriter.Write(net, resize: resize);
        using var detector = Detector.Open(blob, net.Options.ModelName, new DetectorOptions { ScoreThresholdPermille = scorePermille, MaxDetections = MaxDetections });
        bool fcos = family == AqdFamily.Fcos;
        var p = detector.Decoder.Parameters;
        Assert.Equal(fcos ? DetectionFamily.Fcos : DetectionFamily.RetinaNet, p.Family);
        Assert.Equal(resize, detector.Metadata.Preprocessing.Resize);
        // BGR, zero point 115, std 1: network channel k reads pixel channel 2 - k, and the input byte is the pixel itself.
        Assert.Equal([2, 1, 0], p.InputSource);
        Assert.All(p.InputTables, t => Assert.Equal(Enumerable.Range(0, 256), t));

        string path = Path.Combine(TestData.Images, photo);
        var set = detector.DetectImage(path);
        var got = set.ToArray();
        var results = detector.Decoder.Results.ToArray();

        // the float decode of the same head outputs
        var engine = detector.Engine;
        var graph = engine.Graph;
        List<float[]> cls = [], box = [], ctr = [];
        foreach (var level in p.Levels)
        {
            cls.Add(Dequantize(engine, level.ClassOutput));
            box.Add(Dequantize(engine, level.BoxOutput));
            if (fcos)
            {
                ctr.Add(Dequantize(engine, level.CenternessOutput));
            }
        }
        var want = AqdFloatDecode.Decode(fcos, net.Options.NumClasses, Size, Size, cls, box, fcos ? ctr : null, scorePermille / 1000.0,
            detector.Metadata.Detector.IouThresholdPermille!.Value, MaxDetections, resize == "letterbox", set.ImageWidth, set.ImageHeight);

        var log = TestContext.Current.TestOutputHelper;
        log?.WriteLine($"{net.Options.ModelName} width {net.Options.BackboneWidth}/{net.Options.FpnChannels} {resize} {photo} {set.ImageWidth}x{set.ImageHeight}: {got.Length} integer, {want.Count} float detections; first: " +
            string.Join("; ", got.Take(3).Select(d => $"{d.Label} {d.ScorePermille} [{d.X1},{d.Y1},{d.X2},{d.Y2}]")));
        Assert.True(want.Count >= 5, $"only {want.Count} float detections: the comparison would check little");
        Assert.Equal(want.Count, got.Length);
        var byCell = want.ToDictionary(w => (w.Level, w.Row));
        double maxBox = 0, maxScore = 0;
        for (int i = 0; i < got.Length; i++)
        {
            var g = got[i];
            var r = results[i];
            Assert.True(byCell.TryGetValue((r.Level, r.Row), out var w), $"integer detection {i} ({g}, level {r.Level} row {r.Row}) is not a float detection");
            Assert.Equal(w.ClassId, g.ClassId);
            Assert.Equal(detector.Metadata.Labels[w.ClassId], g.Label);
            maxScore = Math.Max(maxScore, Math.Abs(r.Score / 65536.0 - w.Score) * 65536);
            Assert.InRange(r.Score / 65536.0 - w.Score, -2.0 / 65536, 2.0 / 65536);
            Assert.InRange(g.ScorePermille - w.Score * 1000, -1.0, 1.0);
            foreach (var (a, b) in new[] { (g.X1, w.X1), (g.Y1, w.Y1), (g.X2, w.X2), (g.Y2, w.Y2) })
            {
                maxBox = Math.Max(maxBox, Math.Abs(a - b));
                Assert.True(Math.Abs(a - b) <= 1, $"detection {i} ({g}): box differs from the float box [{w.X1:F2} {w.Y1:F2} {w.X2:F2} {w.Y2:F2}] by more than a pixel");
            }
            // order: the float order, except among scores closer than the Q16 rounding
            if (i > 0)
            {
                Assert.True(byCell[(results[i - 1].Level, results[i - 1].Row)].Score >= w.Score - 2.0 / 65536, $"order differs at {i}");
            }
        }
        log?.WriteLine($"max |box - float box| {maxBox:F3} px, max |score - float score| {maxScore:F2} / 65536");
    }

    [Fact]
    [Trait("Arm64", "decode")]
    public void AqdBlobsCarryLabelsAndDetectionTables()
    {
        var net = Network(AqdFamily.RetinaNet, narrow: true);
        var reader = BlobReader.Open(AqdBlobWriter.Write(net), "retina");
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"class{i}"), reader.Metadata.Labels);
        Assert.Equal([115_000, 115_000, 115_000], reader.Metadata.Preprocessing.MeanMilli);
        var p = reader.Detection!;
        Assert.Equal(9, p.AnchorsPerCell);
        // detectron2 anchors at P3 (sizes 32 x 2^(k/3) outer, ratios h / w inner; first 45.25 x 22.63), to Q8
        var want = AqdFloatDecode.Anchors(32);
        for (int a = 0; a < 9; a++)
        {
            Assert.InRange(p.Levels[0].Anchors![2 * a] / 256.0 - want[a].W, -0.5 / 256, 0.5 / 256);
            Assert.InRange(p.Levels[0].Anchors![2 * a + 1] / 256.0 - want[a].H, -0.5 / 256, 0.5 / 256);
        }
        Assert.Equal(0, p.Levels[0].CenterOffsetQ8);
        var labels = Enumerable.Range(0, 12).Select(i => $"thing {i}").ToArray();
        Assert.Equal(labels, BlobReader.Open(AqdBlobWriter.Write(net, labels: labels), "retina").Metadata.Labels);
        var e = Assert.Throws<ArgumentException>(() => AqdBlobWriter.Write(net, labels: ["one", "two"]));
        Assert.Contains("2 labels for 12 classes", e.Message);

        var fcos = BlobReader.Open(AqdBlobWriter.Write(Network(AqdFamily.Fcos, narrow: true)), "fcos");
        Assert.Equal(80, fcos.Metadata.Labels.Count);
        Assert.Equal("person", fcos.Metadata.Labels[0]);
        Assert.Equal("toothbrush", fcos.Metadata.Labels[79]);
        Assert.Equal(Kernels.Detection.DetectionFamily.Fcos, fcos.Detection!.Family);
        Assert.Equal(4 * 256, fcos.Detection.Levels[0].CenterOffsetQ8);
    }

    private static float[] Dequantize(Engine.InferenceEngine engine, int output)
    {
        var t = engine.Graph.Tensors[engine.Graph.Outputs[output]];
        double scale = BitConverter.UInt32BitsToSingle(t.ScaleBits);
        return [.. TensorCodes.Read(engine.Output(output), t).Select(q => (float)(scale * (q - t.Format.ZeroPoint)))];
    }
}
