using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.TrainReport.Tests;

public class ApPlotTests
{
    [Fact]
    public void WritesADecodablePngOfTheRequestedSize()
    {
        using var tmp = new Fixtures.Temp();
        string png = Path.Combine(tmp.Path, "sub", "plot.png");
        var runs = Fixtures.Runs.Select(r => RunLoader.Load(Fixtures.Dir(r))).ToList();
        ApPlot.Write(png, runs, "test plot", 640, 400);
        using var image = Image.Load<Rgba32>(png);
        Assert.Equal(640, image.Width);
        Assert.Equal(400, image.Height);
        // Not blank: the two family colours (ScottPlot's C0 blue, C1 orange) are drawn.
        var colours = new HashSet<Rgba32>();
        image.ProcessPixelRows(a =>
        {
            for (int y = 0; y < a.Height; y++)
            {
                foreach (var p in a.GetRowSpan(y))
                {
                    colours.Add(p);
                }
            }
        });
        Assert.Contains(new Rgba32(0x1f, 0x77, 0xb4), colours);
        Assert.Contains(new Rgba32(0xff, 0x7f, 0x0e), colours);
    }
}
