namespace AQD.Edge.Worker.Tests.Support;

/// <summary>Repository paths and temporary folders.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Images => Path.Combine(RepoRoot, "tests", "data", "images");
    public static string Clip => Path.Combine(RepoRoot, "tests", "data", "video", "vtest-320x240.mp4");
    public static string Model => Path.Combine(RepoRoot, "app", "models", "nanodet-g-416-int8.aqd");

    /// <summary>The aqd-edge build next to the tests (the project reference copies it).</summary>
    public static string WorkerDll => Path.Combine(AppContext.BaseDirectory, "aqd-edge.dll");

    public static string NewTempDir(string tag) => Directory.CreateTempSubdirectory($"aqd-worker-{tag}-").FullName;

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AQD.Edge.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("AQD.Edge.sln not found above " + AppContext.BaseDirectory);
    }
}
