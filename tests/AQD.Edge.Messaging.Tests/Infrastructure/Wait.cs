using System.Diagnostics;

namespace AQD.Edge.Messaging.Tests.Infrastructure;

/// <summary>Wait-for-condition with a generous timeout (no fixed sleeps in tests).</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for: {what}");
            await Task.Delay(10);
        }
    }

    public static readonly TimeSpan Long = TimeSpan.FromSeconds(30);
}

/// <summary>Writes to the current test's output (visible on failure).</summary>
public static class TestLog
{
    public static void Write(string line)
    {
        try { TestContext.Current.TestOutputHelper?.WriteLine(line); }
        catch (InvalidOperationException) { /* test already finished */ }
    }
}
