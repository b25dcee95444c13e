using AQD.Edge.Onnx.Import;

namespace AQD.Edge.Aqd;

/// <summary>Photos as the AQD detectors take them: HWC BGR bytes, stretched to the input size.</summary>
public static class AqdImages
{
    public static byte[] LoadBgr(string path, int width, int height)
    {
        var px = CalibrationImages.LoadHwc(path, width, height, 3);
        for (int i = 0; i < px.Length; i += 3)
        {
            (px[i], px[i + 2]) = (px[i + 2], px[i]);
        }
        return px;
    }

    /// <summary>tests/data/images, found by walking up from <paramref name="start"/> (default: the app base directory).</summary>
    public static string FindTestImages(string? start = null)
    {
        for (var d = new DirectoryInfo(start ?? AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "tests", "data", "images");
            if (Directory.Exists(p))
            {
                return p;
            }
        }
        throw new DirectoryNotFoundException("tests/data/images not found above " + (start ?? AppContext.BaseDirectory));
    }
}
