using System.Diagnostics;

namespace AQD.Edge.Worker.Tests.Support;

/// <summary>
/// The NativeAOT linux-arm64 aqd-edge from publish.sh, once per test run: <c>AQD_EDGE_ARM64</c>
/// names it (tests/run-all.sh publishes before the tests), otherwise this fixture runs
/// <c>bash publish.sh --worker linux-arm64</c> itself (minutes on 2 cores) and uses dist/linux-arm64/aqd-edge.
/// </summary>
public sealed class Arm64Binary
{
    public Arm64Binary()
    {
        string? given = Environment.GetEnvironmentVariable("AQD_EDGE_ARM64");
        if (given == "none") throw new InvalidOperationException("arm64 runs skipped (AQD_SKIP_ARM64=1): no linux-arm64 aqd-edge to test");
        if (!string.IsNullOrEmpty(given))
        {
            Path = given;
            Note = $"from AQD_EDGE_ARM64={given}";
        }
        else
        {
            var psi = new ProcessStartInfo("bash", [System.IO.Path.Combine(TestPaths.RepoRoot, "publish.sh"), "--worker", "linux-arm64"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = TestPaths.RepoRoot,
            };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            Note = $"published by the fixture (exit {p.ExitCode}): {stdout.Result}\n{stderr.Result}";
            Path = System.IO.Path.Combine(TestPaths.RepoRoot, "dist", "linux-arm64", "aqd-edge");
        }
        if (!File.Exists(Path)) throw new FileNotFoundException($"linux-arm64 aqd-edge not found at {Path}; {Note}");
    }

    public string Path { get; }
    public string Note { get; }

    /// <summary>The arm64 C library for qemu's -L: the cross libc (enough for a NativeAOT binary).</summary>
    public static string LibraryRoot => Directory.Exists("/usr/aarch64-linux-gnu/lib") ? "/usr/aarch64-linux-gnu" : System.IO.Path.Combine(TestPaths.RepoRoot, "artifacts", "cache", "arm64root");
}
