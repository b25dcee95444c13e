namespace AQD.Edge.Kernels.Tests;

/// <summary>
/// Report lines that must reach the log even when every test passes (xunit.v3 shows a test's own
/// output only on failure). When the environment variable <c>AQD_TEST_REPORT</c> names a file,
/// <see cref="Write"/> appends the lines to it; <c>tests/run-all.sh</c> sets it per run and prints
/// the file after the run. The lines also go to the test's output helper.
/// </summary>
public static class TestReport
{
    public const string EnvironmentVariable = "AQD_TEST_REPORT";

    private static readonly Lock Gate = new();

    public static void Write(ITestOutputHelper? output, IEnumerable<string> lines)
    {
        var all = lines.ToArray();
        foreach (var line in all)
        {
            output?.WriteLine(line);
        }
        string? path = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }
        lock (Gate)
        {
            File.AppendAllLines(path, all);
        }
    }
}
