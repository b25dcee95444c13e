using System.Text.Json;
using AQD.Edge.DetectionData;
using AQD.Edge.MakeDataset;

namespace AQD.Edge.DetectionData.Tests;

public sealed class CocoJsonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aqd-detdata-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void DatasetAndResultsRoundTripInCocoLayout()
    {
        var o = new DigitSceneOptions { Seed = 5 };
        var samples = DigitScenes.Split(o, "val", 3);
        string json = Path.Combine(_dir, "val.json");
        CocoJson.WriteDataset(json, samples, DigitScenes.Labels(o.Source), Path.Combine(_dir, "images", "val"));

        using (var doc = JsonDocument.Parse(File.ReadAllBytes(json)))
        {
            var root = doc.RootElement;
            Assert.Equal(3, root.GetProperty("images").GetArrayLength());
            var img0 = root.GetProperty("images")[0];
            Assert.Equal("images/val/000000.png", img0.GetProperty("file_name").GetString());
            Assert.Equal(256, img0.GetProperty("width").GetInt32());
            var ann = root.GetProperty("annotations")[0];
            var b = samples[0].Boxes[0];
            Assert.Equal(b.ClassId + 1, ann.GetProperty("category_id").GetInt32());
            Assert.Equal([b.X1, b.Y1, b.Width, b.Height], ann.GetProperty("bbox").EnumerateArray().Select(e => e.GetSingle()).ToArray());
            Assert.Equal((double)b.Width * b.Height, ann.GetProperty("area").GetDouble());
            Assert.Equal("0", root.GetProperty("categories")[0].GetProperty("name").GetString());
            Assert.Equal(1, root.GetProperty("categories")[0].GetProperty("id").GetInt32());
        }
        // The PNG holds the sample's pixels.
        using (var png = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Bgr24>(Path.Combine(_dir, "images", "val", "000001.png")))
        {
            var px = new SixLabors.ImageSharp.PixelFormats.Bgr24[256 * 256];
            png.CopyPixelDataTo(px);
            Assert.Equal(samples[1].Bgr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(px.AsSpan()).ToArray());
        }

        var (truth, labels) = CocoJson.ReadDataset(json);
        Assert.Equal(10, labels.Count);
        foreach (var s in samples) Assert.Equal(s.Boxes, truth[s.ImageId]);

        var dets = samples.SelectMany(s => s.Boxes.Select(x => new ScoredBox(s.ImageId, x.ClassId, 0.75f, x.X1, x.Y1, x.X2, x.Y2))).ToList();
        string res = Path.Combine(_dir, "res.json");
        CocoJson.WriteResults(res, dets);
        Assert.Equal(dets, CocoJson.ReadResults(res));
        Assert.Equal(1.0, CocoEvaluator.Evaluate(truth, CocoJson.ReadResults(res), labels.Count).AP, 1e-12);
    }

    [Fact]
    public void ReadingAFileThatIsNotCocoNamesIt()
    {
        string bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, "{\"images\": []}");
        Assert.Contains("bad.json", Assert.Throws<InvalidDataException>(() => CocoJson.ReadDataset(bad)).Message);
    }

    [Fact]
    public void MakeDatasetWritesSplitsAndEvaluatesResults()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int rc = MakeDatasetCli.Run(["--out", _dir, "--count", "4", "--splits", "train,test", "--seed", "9", "--preview", "1", "--jpeg"], output, error);
        Assert.True(rc == 0, error.ToString());
        Assert.Contains("train: 4 images", output.ToString());
        Assert.True(File.Exists(Path.Combine(_dir, "images", "test", "000003.jpg")));
        Assert.True(File.Exists(Path.Combine(_dir, "preview", "train_000000.png")));
        Assert.False(File.Exists(Path.Combine(_dir, "val.json")));

        // Same seed, same boxes as the library.
        var (truth, _) = CocoJson.ReadDataset(Path.Combine(_dir, "test.json"));
        var expected = DigitScenes.Split(new DigitSceneOptions { Seed = 9 }, "test", 4);
        foreach (var s in expected) Assert.Equal(s.Boxes, truth[s.ImageId]);

        // eval: ground truth as results, one box dropped -> AP < 1.
        var dets = expected.SelectMany(s => s.Boxes.Skip(s.ImageId == 0 ? 1 : 0).Select(b => new ScoredBox(s.ImageId, b.ClassId, 0.9f, b.X1, b.Y1, b.X2, b.Y2))).ToList();
        CocoJson.WriteResults(Path.Combine(_dir, "res.json"), dets);
        output = new StringWriter();
        rc = MakeDatasetCli.Run(["eval", Path.Combine(_dir, "test.json"), Path.Combine(_dir, "res.json")], output, error);
        Assert.True(rc == 0, error.ToString());
        var m = CocoEvaluator.Evaluate(expected, dets, 10);
        Assert.True(m.AP < 1.0);
        Assert.StartsWith(m.ToString(), output.ToString());

        error = new StringWriter();
        Assert.Equal(MakeDatasetCli.Error, MakeDatasetCli.Run(["--out", _dir, "--image-size", "100"], new StringWriter(), error));
        Assert.Contains("ImageSize", error.ToString());
        Assert.Equal(MakeDatasetCli.Error, MakeDatasetCli.Run(["--out", _dir, "--splits", "dev"], new StringWriter(), error));
        Assert.Contains("\"dev\"", error.ToString());
    }
}
