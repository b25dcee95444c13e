using System.Text.Json;

namespace AQD.Edge.Worker.Tests.Support;

/// <summary>
/// The bundled trained digit detectors (app/models/aqd-fcos-digits-m{4,2}.aqd, aqd-retinanet-digits-m4.aqd) and their demo images
/// (app/demo/digits: digit scenes of the test split with a COCO ground-truth JSON), and the match of
/// detect's JSON output against that ground truth: a ground-truth digit is found when an unused
/// printed detection of the same class overlaps it with IoU &gt;= 0.5 (detections taken in descending
/// score order per image, each matched to the best-IoU free digit; the others are false positives).
/// </summary>
internal static class DigitDemo
{
    public static string Images => Path.Combine(TestPaths.RepoRoot, "app", "demo", "digits");
    public static string GroundTruth => Path.Combine(Images, "ground-truth.json");
    public static string Model(string family, int bits) => Path.Combine(TestPaths.RepoRoot, "app", "models", $"aqd-{family}-digits-m{bits}.aqd");

    public sealed record Box(int ClassId, double X1, double Y1, double X2, double Y2);

    public sealed record Match(int Found, int Truth, int FalsePositives)
    {
        public override string ToString() => $"{Found}/{Truth} digits found (label + IoU >= 0.5), {FalsePositives} false positives";
    }

    /// <summary>Ground truth per image file name (COCO: category_id = class + 1, bbox = [x, y, w, h]).</summary>
    public static Dictionary<string, List<Box>> ReadGroundTruth()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(GroundTruth));
        var names = doc.RootElement.GetProperty("images").EnumerateArray()
            .ToDictionary(i => i.GetProperty("id").GetInt32(), i => i.GetProperty("file_name").GetString()!);
        var truth = names.Values.ToDictionary(n => n, _ => new List<Box>());
        foreach (var a in doc.RootElement.GetProperty("annotations").EnumerateArray())
        {
            var b = a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            truth[names[a.GetProperty("image_id").GetInt32()]].Add(new Box(a.GetProperty("category_id").GetInt32() - 1, b[0], b[1], b[0] + b[2], b[1] + b[3]));
        }
        return truth;
    }

    /// <summary>Matches detect's JSON (an array of image documents) against the ground truth.</summary>
    public static Match Evaluate(string detectJson, Dictionary<string, List<Box>> truth)
    {
        using var doc = JsonDocument.Parse(detectJson);
        int found = 0, falsePositives = 0, images = 0;
        foreach (var image in doc.RootElement.EnumerateArray())
        {
            var gt = truth[image.GetProperty("image").GetString()!];
            images++;
            var used = new bool[gt.Count];
            var dets = image.GetProperty("detections").EnumerateArray()
                .Select(d => (Score: d.GetProperty("score").GetDouble(), Class: d.GetProperty("classId").GetInt32(),
                    Box: d.GetProperty("box").EnumerateArray().Select(v => (double)v.GetInt32()).ToArray()))
                .OrderByDescending(d => d.Score);
            foreach (var d in dets)
            {
                int best = -1;
                double bestIoU = 0.5;
                for (int k = 0; k < gt.Count; k++)
                {
                    if (used[k] || gt[k].ClassId != d.Class) continue;
                    double iou = IoU(d.Box, gt[k]);
                    if (iou >= bestIoU) { bestIoU = iou; best = k; }
                }
                if (best < 0) falsePositives++;
                else { used[best] = true; found++; }
            }
        }
        Assert.Equal(truth.Count, images); // every demo image was detected on
        return new Match(found, truth.Values.Sum(g => g.Count), falsePositives);
    }

    private static double IoU(double[] a, Box b)
    {
        double iw = Math.Max(0, Math.Min(a[2], b.X2) - Math.Max(a[0], b.X1));
        double ih = Math.Max(0, Math.Min(a[3], b.Y2) - Math.Max(a[1], b.Y1));
        double inter = iw * ih;
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b.X2 - b.X1) * (b.Y2 - b.Y1) - inter);
    }
}
