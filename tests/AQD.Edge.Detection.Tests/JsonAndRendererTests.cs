using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Detection.Tests;

public class JsonAndRendererTests
{
    private static DetectionSet Set(params ObjectDetection[] items)
    {
        var set = new DetectionSet(10);
        set.Reset(200, 100);
        foreach (var d in items)
        {
            set.Add(d);
        }
        return set;
    }

    [Fact]
    public void JsonHasLabelScoreAndBoxInPixels()
    {
        var set = Set(new ObjectDetection(16, "dog", 418, 131, 222, 360, 542), new ObjectDetection(1, "bicycle", 680, 1, 2, 3, 4));
        string json = DetectionJson.Serialize(set, "dog.jpg");
        Assert.Equal("""{"image":"dog.jpg","width":200,"height":100,"detections":[{"label":"dog","classId":16,"score":0.418,"box":[131,222,360,542]},{"label":"bicycle","classId":1,"score":0.68,"box":[1,2,3,4]}]}""", json);
        var back = DetectionJson.Parse(json)!;
        Assert.Equal("dog", back.Detections[0].Label);
        Assert.Equal([1, 2, 3, 4], back.Detections[1].Box);
        Assert.Contains("\n", DetectionJson.Serialize([DetectionJson.ToDocument(set)], indented: true));
    }

    [Fact]
    public void RendererDrawsOutlinesAndALabelTag()
    {
        using var image = new Image<Rgb24>(200, 100, new Rgb24(0, 0, 0));
        var d = new ObjectDetection(3, "car", 900, 50, 40, 150, 90);
        DetectionRenderer.Draw(image, Set(d), lineWidth: 2, textScale: 1);
        var color = DetectionRenderer.ColorOf(3);
        Assert.Equal(color, image[50, 60]);      // left edge
        Assert.Equal(color, image[51, 60]);      // 2 px wide
        Assert.Equal(color, image[149, 60]);     // right edge (x2 exclusive)
        Assert.Equal(color, image[100, 89]);     // bottom edge
        Assert.Equal(new Rgb24(0, 0, 0), image[100, 60]);   // inside stays
        // the tag sits above the box: 9 rows of background from y = 31, with ink pixels inside
        Assert.Equal(color, image[50, 31]);
        int ink = 0;
        for (int y = 31; y < 40; y++)
        {
            for (int x = 50; x < 50 + 11 * 6; x++)
            {
                ink += image[x, y] != color ? 1 : 0;
            }
        }
        Assert.True(ink > 20, $"{ink} text pixels");
    }

    [Fact]
    public void RenderWritesAnAnnotatedFileByExtension()
    {
        string dir = Path.Combine(Path.GetTempPath(), "aqd-detection-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string output = Path.Combine(dir, "dog.png");
        DetectionRenderer.Render(Path.Combine(TestData.Images, "dog.jpg"), [new ObjectDetection(16, "dog", 418, 131, 222, 360, 542)], output);
        using var image = Image.Load<Rgb24>(output);
        Assert.Equal((768, 576), (image.Width, image.Height));
        Assert.Equal(DetectionRenderer.ColorOf(16), image[131, 400]);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void BoxesOutsideTheImageAreClippedWhenDrawn()
    {
        using var image = new Image<Rgb24>(20, 20);
        DetectionRenderer.Draw(image, [new ObjectDetection(0, "person", 500, -10, -10, 40, 40)]);
        DetectionRenderer.DrawLabel(image, "x", 18, 18, new Rgb24(255, 255, 255));
        Assert.Equal(new Rgb24(255, 255, 255), image[18, 18]);      // tag clipped at the corner
        Assert.Equal(DetectionRenderer.ColorOf(0), image[19, 7]);   // bottom margin row of the box's tag (drawn from y1 = -10, clipped)
    }
}
