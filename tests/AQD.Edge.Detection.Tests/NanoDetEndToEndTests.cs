using AQD.Edge.Detection;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Detection.Tests;

/// <summary>
/// Issue 4 item 3: the bundled int8 NanoDet-g-416 blob (app/models, with its DETC section) on the
/// shared photos against the float reference (ONNX Runtime on the float model of
/// tests/data/models/nanodet-g-416 with the README's preprocessing and float decode, score &gt; 0.35):
/// per image at least 90 % of the float detections are found with the same label at IoU &gt;= 0.5.
/// Both sides decode the JPEG with ImageSharp.
/// </summary>
public class NanoDetEndToEndTests
{
    private static readonly int[] Strides = [8, 16, 32];
    private static readonly float[] MeanBgr = [103.53f, 116.28f, 123.675f], StdBgr = [57.375f, 57.12f, 58.395f];

    /// <summary>
    /// Float detections scoring below this are optional: the model README (tests/data/models/nanodet-g-416)
    /// asks tests that decode the JPEG themselves to treat detections within about 0.02 of the 0.35
    /// threshold as optional (decoder differences move scores by up to 0.012 and swap such boxes).
    /// </summary>
    private const double OptionalBelow = 0.37;

    internal static string BlobPath => Path.Combine(TestData.RepoRoot, "app", "models", "nanodet-g-416-int8.aqd");

    public static TheoryData<string> Photos()
        => [.. Directory.EnumerateFiles(TestData.Images, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".jpg", StringComparison.Ordinal) || f.EndsWith(".png", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(TestData.Images, f)).Order(StringComparer.Ordinal)];

    private static readonly Lazy<InferenceSession> Session = new(() => new InferenceSession(Path.Combine(TestData.NanoDet, "model.onnx")));

    /// <summary>Float reference detections in original-image pixels.</summary>
    internal static List<FloatDetection> FloatDetections(string path, out int width, out int height)
    {
        using var image = Image.Load<Rgb24>(path);
        width = image.Width;
        height = image.Height;
        var px = new byte[width * height * 3];
        image.CopyPixelDataTo(px);
        var resized = FloatPreprocess.Resize(px, width, height, 3, 416, 416);
        var x = new float[3 * 416 * 416];
        for (int i = 0; i < 416 * 416; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                x[c * 416 * 416 + i] = ((float)resized[i * 3 + 2 - c] - MeanBgr[c]) / StdBgr[c];   // BGR
            }
        }
        using var input = OrtValue.CreateTensorValueFromMemory(x, [1, 3, 416, 416]);
        var names = Strides.Select(s => $"cls_pred_stride_{s}").Concat(Strides.Select(s => $"dis_pred_stride_{s}")).ToArray();
        using var runOptions = new RunOptions();
        using var results = Session.Value.Run(runOptions, [Session.Value.InputNames[0]], [input], names);
        var outs = results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        var heads = new FloatHeads { Family = "nanodet", Strides = Strides, InputWidth = 416, InputHeight = 416, NumClasses = 80, RegMax = 10 };
        double sx = width / 416.0, sy = height / 416.0;
        return [.. FloatReference.Decode(heads, outs[..3], outs[3..]).Select(d => d with { X1 = d.X1 * sx, Y1 = d.Y1 * sy, X2 = d.X2 * sx, Y2 = d.Y2 * sy })];
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void IntegerBlobFindsNinetyPercentOfTheFloatDetections(string photo)
    {
        string path = Path.Combine(TestData.Images, photo);
        var labels = TestData.CocoLabels();
        var reference = FloatDetections(path, out int w, out int h);
        using var detector = Detector.Open(BlobPath);
        var got = detector.DetectImage(path).ToArray();
        Assert.Equal((416, 416), (detector.InputWidth, detector.InputHeight));
        foreach (var f in reference)
        {
            TestContext.Current.SendDiagnosticMessage($"{photo} float: {labels[f.ClassId]} {f.Score:F3} [{f.X1:F1} {f.Y1:F1} {f.X2:F1} {f.Y2:F1}]");
        }
        foreach (var d in got)
        {
            TestContext.Current.SendDiagnosticMessage($"{photo} int8:  {d.Label} {d.ScorePermille / 1000.0:F3} [{d.X1} {d.Y1} {d.X2} {d.Y2}]");
        }
        var required = reference.Where(f => f.Score >= OptionalBelow).ToList();
        int found = required.Count(f => got.Any(d => d.ClassId == f.ClassId && FloatReference.Iou(f.X1, f.Y1, f.X2, f.Y2, d.X1, d.Y1, d.X2, d.Y2) >= 0.5));
        TestContext.Current.SendDiagnosticMessage($"{photo}: {found} of {required.Count} required float detections found (of {reference.Count}: near-threshold ones optional)");
        Assert.True(found * 10 >= required.Count * 9, $"{photo}: {found} of {required.Count} float detections found by the int8 blob");
        Assert.All(got, d => Assert.True(d.X1 >= 0 && d.X2 <= w && d.Y1 >= 0 && d.Y2 <= h));
    }
}
