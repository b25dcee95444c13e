using System.Collections.Concurrent;
using System.Diagnostics;

namespace AQD.Edge.Messaging.Tests.Infrastructure;

/// <summary>An external <c>mosquitto_sub -C N -v</c> process; its output lines ("topic payload").</summary>
public sealed class MosquittoSub : IDisposable
{
    private readonly Process _process;
    public ConcurrentQueue<string> Lines { get; } = new();

    public MosquittoSub(int port, int count, params string[] topics)
    {
        var args = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(), "-q", "1", "-v", "-C", count.ToString() };
        foreach (var t in topics) { args.Add("-t"); args.Add(t); }
        var psi = new ProcessStartInfo("mosquitto_sub", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } l) Lines.Enqueue(l); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) TestLog.Write("mosquitto_sub: " + l); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits for the process to exit (it does after N messages) and returns its lines.</summary>
    public async Task<List<string>> WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Long);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"mosquitto_sub did not exit; got {Lines.Count} lines: {string.Join(" | ", Lines.Take(5))}"); }
        _process.WaitForExit(); // flush the async output readers
        return [.. Lines];
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
