namespace AQD.Edge.Hardware.Tests.Support;

/// <summary>Repository paths and temporary folders for tests.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Images => Path.Combine(RepoRoot, "tests", "data", "images");
    public static string Clip => Path.Combine(RepoRoot, "tests", "data", "video", "vtest-320x240.mp4");

    /// <summary>A fresh empty temporary folder (deleted by the OS's tmp cleanup; tests keep them small).</summary>
    public static string NewTempDir(string tag)
    {
        string dir = Path.Combine(Path.GetTempPath(), "aqd-hw-tests", $"{tag}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AQD.Edge.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("AQD.Edge.sln not found above " + AppContext.BaseDirectory);
    }
}
