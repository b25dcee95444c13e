using System.Runtime.InteropServices;

namespace AQD.Edge.Detection.Tests;

/// <summary>Repository paths of the test data (tests/data, see its README for provenance).</summary>
internal static class TestData
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Images => Path.Combine(RepoRoot, "tests", "data", "images");

    public static string NanoDet => Path.Combine(RepoRoot, "tests", "data", "models", "nanodet-g-416");

    public static string Golden => Path.Combine(NanoDet, "golden");

    public static float[] ReadF32(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    public static string[] CocoLabels()
    {
        string path = Path.Combine(NanoDet, "coco.names");
        return File.Exists(path) ? File.ReadAllLines(path) : [.. Enumerable.Range(0, 80).Select(i => $"class{i}")];
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AQD.Edge.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("AQD.Edge.sln not found above " + AppContext.BaseDirectory);
    }
}
