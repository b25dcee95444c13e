using AQD.Edge.DetectionData;

namespace AQD.Edge.DetectionData.Tests;

public sealed class DigitScenesTests
{
    private static readonly DigitSceneOptions Options = new() { Seed = 42 };

    [Fact]
    public void SameSeedSplitAndIndexGiveIdenticalBytes()
    {
        var a = DigitScenes.Generate(Options, "train", 17);
        var b = DigitScenes.Generate(Options with { }, "train", 17);
        Assert.Equal(a.Bgr, b.Bgr);
        Assert.Equal(a.Boxes, b.Boxes);
        Assert.Equal(17, a.ImageId);
        Assert.Equal(256 * 256 * 3, a.Bgr.Length);

        // Split (parallel) gives the same images as Generate one by one.
        var split = DigitScenes.Split(Options, "val", 6);
        for (int i = 0; i < split.Count; i++)
        {
            var one = DigitScenes.Generate(Options, "val", i);
            Assert.Equal(one.Bgr, split[i].Bgr);
            Assert.Equal(one.Boxes, split[i].Boxes);
        }

        // Another seed, split or index gives another image.
        Assert.NotEqual(a.Bgr, DigitScenes.Generate(Options with { Seed = 43 }, "train", 17).Bgr);
        Assert.NotEqual(a.Bgr, DigitScenes.Generate(Options, "test", 17).Bgr);
        Assert.NotEqual(a.Bgr, DigitScenes.Generate(Options, "train", 18).Bgr);
    }

    [Fact]
    public void BoxesAreTightAroundTheDrawnPixels()
    {
        var glyphs = GlyphPool.Get(Options);
        var backgrounds = BackgroundPool.Get(null);
        int boxes = 0, edgesSeen = 0, edges = 0;
        for (int i = 0; i < 40; i++)
        {
            var bg = new byte[256 * 256 * 3];
            var s = SceneComposer.Compose(Options, glyphs, backgrounds, 0, i, bg);
            // Every changed pixel lies in some box (a box is never too small).
            for (int y = 0; y < 256; y++)
                for (int x = 0; x < 256; x++)
                {
                    int o = (y * 256 + x) * 3;
                    if (s.Bgr[o] == bg[o] && s.Bgr[o + 1] == bg[o + 1] && s.Bgr[o + 2] == bg[o + 2]) continue;
                    Assert.True(s.Boxes.Any(b => x >= b.X1 && x < b.X2 && y >= b.Y1 && y < b.Y2), $"image {i}: pixel ({x},{y}) changed outside every box");
                }
            // Each edge row/column of a box has a changed pixel (a box is not too large), with rare exceptions
            // where the glyph's colour is too close to the background at a faint edge pixel.
            foreach (var b in s.Boxes)
            {
                boxes++;
                int x1 = (int)b.X1, y1 = (int)b.Y1, x2 = (int)b.X2 - 1, y2 = (int)b.Y2 - 1;
                Assert.Equal(b.X1, x1); Assert.Equal(b.Y2, y2 + 1); // integer pixel boxes
                bool Changed(int x, int y) { int o = (y * 256 + x) * 3; return s.Bgr[o] != bg[o] || s.Bgr[o + 1] != bg[o + 1] || s.Bgr[o + 2] != bg[o + 2]; }
                bool top = false, bottom = false, left = false, right = false;
                for (int x = x1; x <= x2; x++) { top |= Changed(x, y1); bottom |= Changed(x, y2); }
                for (int y = y1; y <= y2; y++) { left |= Changed(x1, y); right |= Changed(x2, y); }
                edges += 4;
                edgesSeen += (top ? 1 : 0) + (bottom ? 1 : 0) + (left ? 1 : 0) + (right ? 1 : 0);
            }
        }
        Assert.True(boxes > 100, $"{boxes} boxes");
        Assert.True(edgesSeen >= edges * 0.97, $"only {edgesSeen} of {edges} box edges touch a drawn pixel");
    }

    [Fact]
    public void ScenesFollowTheOptions()
    {
        var samples = DigitScenes.Split(Options, "train", 300);
        var all = samples.SelectMany(s => s.Boxes).ToList();
        Assert.All(samples, s => Assert.InRange(s.Boxes.Count, 1, 8));
        Assert.True(samples.Count(s => s.Boxes.Count == 8) > 10);
        Assert.All(all, b =>
        {
            Assert.True(b.X1 >= 0 && b.Y1 >= 0 && b.X2 <= 256 && b.Y2 <= 256 && b.X2 > b.X1 && b.Y2 > b.Y1, b.ToString());
            Assert.InRange(MathF.Max(b.Width, b.Height), 6f, 112f);
        });
        // Down to ~12 px, up to ~110 px; all ten classes.
        Assert.True(all.Count(b => MathF.Max(b.Width, b.Height) <= 14) > 20);
        Assert.True(all.Count(b => MathF.Max(b.Width, b.Height) >= 90) > 20);
        Assert.Equal(10, all.Select(b => b.ClassId).Distinct().Count());
        // Some overlap, never above the caps.
        int overlapping = 0;
        foreach (var s in samples)
            for (int i = 0; i < s.Boxes.Count; i++)
                for (int j = i + 1; j < s.Boxes.Count; j++)
                {
                    var (a, b) = (s.Boxes[i], s.Boxes[j]);
                    double iou = CocoEvaluator.Iou(a.X1, a.Y1, a.X2, a.Y2, b.X1, b.Y1, b.X2, b.Y2);
                    Assert.True(iou <= Options.MaxOverlapIoU + 1e-6, $"IoU {iou}");
                    if (iou > 0) overlapping++;
                }
        Assert.True(overlapping > 20, $"{overlapping} overlapping pairs");
    }

    [Fact]
    public void SplitsUseDisjointDigitsAndPhotoRegions()
    {
        var pool = GlyphPool.Get(Options);
        var sets = Enumerable.Range(0, 3).Select(s => Enumerable.Range(0, 10).SelectMany(c => pool.Pool(s, c).ToArray()).ToHashSet()).ToArray();
        Assert.Empty(sets[0].Intersect(sets[1]));
        Assert.Empty(sets[0].Intersect(sets[2]));
        Assert.Empty(sets[1].Intersect(sets[2]));
        Assert.InRange(sets[0].Count, 7950, 8050);
        Assert.InRange(sets[1].Count, 985, 1010);
        Assert.InRange(sets[2].Count, 985, 1010);
        Assert.Equal(10000, pool.Labels.Length);

        var photos = BackgroundPool.Get(null).Photos;
        Assert.Equal(7, photos.Count);
        foreach (var p in photos)
        {
            var r = Enumerable.Range(0, 3).Select(s => BackgroundPool.Region(p, s)).ToArray();
            for (int i = 0; i < 3; i++)
            {
                Assert.True(r[i].X1 - r[i].X0 >= 64 && r[i].Y1 - r[i].Y0 >= 64, $"{p.Name} split {i}: region too small");
                for (int j = i + 1; j < 3; j++)
                    Assert.True(r[i].X1 <= r[j].X0 || r[j].X1 <= r[i].X0 || r[i].Y1 <= r[j].Y0 || r[j].Y1 <= r[i].Y0, $"{p.Name}: regions {i} and {j} overlap");
            }
        }
    }

    [Fact]
    public void JitteredGroundTruthIsNotSaturatedAtStrictIoU()
    {
        // Detections = ground truth shifted by 15% of the box side: all found at IoU 0.5, few at 0.95.
        var samples = DigitScenes.Split(Options, "test", 50);
        var dets = samples.SelectMany(s => s.Boxes.Select(b =>
            new ScoredBox(s.ImageId, b.ClassId, 0.5f, b.X1 + 0.15f * b.Width, b.Y1, b.X2 + 0.15f * b.Width, b.Y2))).ToList();
        var m = CocoEvaluator.Evaluate(samples, dets, 10);
        Assert.Equal(1.0, m.AP50, 1e-12);
        Assert.InRange(m.AP, 0.3, 0.8);
        var exact = CocoEvaluator.Evaluate(samples, samples.SelectMany(s => s.Boxes.Select(b => new ScoredBox(s.ImageId, b.ClassId, 1f, b.X1, b.Y1, b.X2, b.Y2))).ToList(), 10);
        Assert.Equal(1.0, exact.AP, 1e-12);
    }

    [Fact]
    public void BadOptionsAndSplitsAreRejected()
    {
        Assert.Contains("ImageSize", Assert.Throws<ArgumentException>(() => DigitScenes.Generate(Options with { ImageSize = 250 }, "train", 0)).Message);
        Assert.Contains("MaxObjects", Assert.Throws<ArgumentException>(() => DigitScenes.Generate(Options with { MinObjects = 3, MaxObjects = 2 }, "train", 0)).Message);
        Assert.Contains("MaxObjectPx", Assert.Throws<ArgumentException>(() => DigitScenes.Generate(Options with { MaxObjectPx = 200 }, "train", 0)).Message);
        Assert.Contains("MaxOverlapIoU", Assert.Throws<ArgumentException>(() => DigitScenes.Generate(Options with { MaxOverlapIoU = float.NaN }, "train", 0)).Message);
        Assert.Contains("\"dev\"", Assert.Throws<ArgumentException>(() => DigitScenes.Generate(Options, "dev", 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DigitScenes.Generate(Options, "train", -1));
        Assert.Contains("ExtraBackgroundDirectory", Assert.Throws<ArgumentException>(() => DigitScenes.Generate(Options with { ExtraBackgroundDirectory = "/nonexistent/dir" }, "train", 0)).Message);
    }

    [Fact]
    public void LabelsNameTheClasses()
    {
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], DigitScenes.Labels(DigitSource.Mnist));
        Assert.Equal("Ankle boot", DigitScenes.Labels(DigitSource.FashionMnist)[9]);
    }
}
