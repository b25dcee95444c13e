using System.Collections.Concurrent;
using System.Diagnostics;
using AQD.Edge.Messaging.Tests.Infrastructure;

namespace AQD.Edge.Worker.Tests.Support;

/// <summary>The aqd-edge binary as a child process (the JIT build next to the tests by default, or
/// a NativeAOT binary, optionally under qemu); its output lines are collected.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    public ConcurrentQueue<string> Output { get; } = new();
    public ConcurrentQueue<string> Errors { get; } = new();

    private WorkerProcess(ProcessStartInfo psi)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } l) { Output.Enqueue(l); TestLog.Write("aqd-edge: " + l); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) { Errors.Enqueue(l); TestLog.Write("aqd-edge!: " + l); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts the JIT build of aqd-edge (dotnet aqd-edge.dll ARGS).</summary>
    public static WorkerProcess Start(params string[] args) => new(new ProcessStartInfo("dotnet", [TestPaths.WorkerDll, .. args]));

    /// <summary>Starts an executable (a NativeAOT binary, qemu-aarch64-static, ...).</summary>
    public static WorkerProcess StartExecutable(string file, params string[] args) => new(new ProcessStartInfo(file, args));

    /// <summary>Runs to completion; returns exit code and output.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(ProcessStartInfo psi, TimeSpan timeout)
    {
        await using var p = new WorkerProcess(psi);
        int code = await p.WaitForExitAsync(timeout);
        return (code, string.Join('\n', p.Output), string.Join('\n', p.Errors));
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"aqd-edge did not exit within {timeout}; last output: {string.Join(" | ", Output.TakeLast(5))} {string.Join(" | ", Errors.TakeLast(5))}"); }
        _process.WaitForExit(); // flush the output readers
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no clean shutdown, the broker must publish the Last Will.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: the clean stop systemd does.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
