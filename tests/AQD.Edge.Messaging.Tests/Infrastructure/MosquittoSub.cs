using System.Collections.Concurrent;
using System.Diagnostics;

namespace AQD.Edge.Messaging.Tests.Infrastructure;

/// <summary>An external <c>mosquitto_sub -C N -v</c> process; its output lines ("topic payload").
/// Run under <c>stdbuf -oL</c> so its stdout (a pipe) is line-buffered whatever the client does.</summary>
public sealed class MosquittoSub : IDisposable
{
    private static int _counter;
    private readonly Process _process;
    public ConcurrentQueue<string> Lines { get; } = new();

    public MosquittoSub(int port, int count, params string[] topics) : this(port, count, null, topics, 0) { }

    /// <summary>With a client id: a persistent session (-c), kept across broker restarts (libmosquitto reconnects by itself).</summary>
    public static MosquittoSub Persistent(int port, int count, string clientId, params string[] topics) => new(port, count, clientId, topics, 0);

    private MosquittoSub(int port, int count, string? persistentClientId, string[] topics, int _)
    {
        var args = new List<string> { "-oL", "mosquitto_sub", "-i", persistentClientId ?? "aqd-test-sub-" + Environment.ProcessId + "-" + Interlocked.Increment(ref _counter), "-h", "127.0.0.1", "-p", port.ToString(), "-q", "1", "-v", "-C", count.ToString() };
        if (persistentClientId is not null) args.Add("-c");
        foreach (var t in topics) { args.Add("-t"); args.Add(t); }
        var psi = new ProcessStartInfo("stdbuf", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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
