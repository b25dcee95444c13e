using System.Reflection;
using AQD.Edge.Onnx.Import;

namespace AQD.Edge.Bench.Models;

/// <summary>
/// A float ONNX network of the <c>models</c> benchmark: where its file is, its input normalization
/// (as pack-model's --mean/--std/--bgr) and, when the file is missing, why (the row says so).
/// </summary>
public sealed record ModelSpec(string Name, string? OnnxPath, InputNormalization Normalization, string Source)
{
    public bool Available => OnnxPath is not null && File.Exists(OnnxPath);

    /// <summary>ResNet-18 224 (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, the file the tools tests use; CNTK BGR mean).</summary>
    public static ModelSpec ResNet18() => new("resnet18-224", PackagePath("ResNet18PackageRoot", "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx"),
        new InputNormalization([103.0626f, 115.9029f, 123.1516f], [1f, 1f, 1f], bgr: true),
        "NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1");

    /// <summary>NanoDet-g-416 (tests/data/models/nanodet-g-416/model.onnx; BGR, ImageNet mean/std in 8-bit levels).</summary>
    public static ModelSpec NanoDet(string? path) => new("nanodet-g-416", path ?? RepoPath("tests/data/models/nanodet-g-416/model.onnx"),
        new InputNormalization([103.53f, 116.28f, 123.675f], [57.375f, 57.12f, 58.395f], bgr: true),
        "tests/data/models/nanodet-g-416 (RangiLyu/nanodet, Apache-2.0)");

    /// <summary>FCOS-R18 320 (tests/data/models/fcos-r18-320/model.onnx when present; ImageNet mean/std, RGB).</summary>
    public static ModelSpec Fcos(string? path) => new("fcos-r18-320", path ?? RepoPath("tests/data/models/fcos-r18-320/model.onnx"),
        new InputNormalization([123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f]),
        "tests/data/models/fcos-r18-320");

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
