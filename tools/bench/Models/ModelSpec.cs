using System.Reflection;
using AQD.Edge.Onnx.Import;

namespace AQD.Edge.Bench.Models;

/// <summary>
/// A float ONNX network of the <c>models</c> benchmark: where its file is, its input normalization
/// (as pack-model's --mean/--std/--bgr) and, when the file is missing, why (the row says so).
/// </summary>
public sealed record ModelSpec(string Name, string? OnnxPath, InputNormalization Normalization, string Source,
    string? AqdBlobPattern = null)
{
    /// <summary>
    /// Blobs of the same network built by another tool, beside the ONNX file (<see cref="AqdBlobPattern"/>
    /// with {0} = bit width), e.g. the AQD builder's FCOS blobs: (bits, path) for the files that exist.
    /// </summary>
    public IEnumerable<(int Bits, string Path)> ExtraBlobs(IEnumerable<int> bits)
    {
        string? dir = OnnxPath is null ? null : System.IO.Path.GetDirectoryName(OnnxPath);
        if (AqdBlobPattern is null || dir is null)
        {
            yield break;
        }
        foreach (int b in bits)
        {
            string path = System.IO.Path.Combine(dir, string.Format(System.Globalization.CultureInfo.InvariantCulture, AqdBlobPattern, b));
            if (File.Exists(path))
            {
                yield return (b, path);
            }
        }
    }

    public bool Available => OnnxPath is not null && File.Exists(OnnxPath);

    /// <summary>ResNet-18 224 (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, the file the tools tests use; CNTK BGR mean).</summary>
    public static ModelSpec ResNet18() => new("resnet18-224", PackagePath("ResNet18PackageRoot", "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx"),
        new InputNormalization([103.0626f, 115.9029f, 123.1516f], [1f, 1f, 1f], bgr: true),
        "NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1");

    /// <summary>NanoDet-g-416 (tests/data/models/nanodet-g-416/model.onnx; BGR, ImageNet mean/std in 8-bit levels).</summary>
    public static ModelSpec NanoDet(string? path) => new("nanodet-g-416", path ?? RepoPath("tests/data/models/nanodet-g-416/model.onnx"),
        new InputNormalization([103.53f, 116.28f, 123.675f], [57.375f, 57.12f, 58.395f], bgr: true),
        "tests/data/models/nanodet-g-416 (RangiLyu/nanodet, Apache-2.0)");

    /// <summary>
    /// FCOS-R18 320: the float ONNX that <c>aqd-bench aqd --family fcos --size 320</c> writes beside
    /// its blobs (tools/AQD.Edge.Aqd AqdOnnxExporter; default results/fcos-r18-m8f8l8-320x320.onnx). That
    /// graph normalizes its 0..255 RGB input itself (Sub/Div at the input), so no normalization here.
    /// The AQD builder's own blobs beside it (fcos-r18-m{b}f8l8-320x320.aqd: int16 FPN, multi-level BN,
    /// AQD's quantization) run as extra rows "AQD M{b}F8L8".
    /// </summary>
    public static ModelSpec Fcos(string? path) => new("fcos-r18-320", path ?? RepoPath("results/fcos-r18-m8f8l8-320x320.onnx"),
        InputNormalization.Identity(3), "aqd-bench aqd --family fcos --size 320 (AQD FCOS-R18, random weights, calibrated BN)",
        "fcos-r18-m{0}f8l8-320x320.aqd");

    /// <summary>A file under the repository root (found by walking up to AQD.Edge.sln from the working directory, then from the binary).</summary>
    public static string? RepoPath(string relative)
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "AQD.Edge.sln")))
                {
                    return Path.Combine(d.FullName, relative);
                }
            }
        }
        return null;
    }

    private static string? PackagePath(string key, string relative)
    {
        string? root = typeof(ModelSpec).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
        return string.IsNullOrEmpty(root) ? null : Path.Combine(root, relative);
    }
}
