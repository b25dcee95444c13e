using System.Diagnostics;
using System.Runtime.CompilerServices;
using AQD.Edge.Hardware.Diagnostics;
using AQD.Edge.Hardware.Frames;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Hardware.Sources;

/// <summary>
/// A frame source that runs a child process (ffmpeg, rpicam-vid) and reads frames from its stdout.
/// stderr lines are logged (Debug) and the last one is quoted when the stream ends. When stdout ends
/// or a read fails, the process is killed and, if <see cref="RestartOnExit"/>, started again after a
/// backoff delay (<see cref="ReconnectPolicy"/>, on the injected TimeProvider); the backoff resets at
/// the first good frame. Reconnects are counted in <see cref="IFrameSource.Stats"/>.
/// </summary>
public abstract class ProcessFrameSource : FrameSourceBase
{
    private readonly ReconnectPolicy? _policy;
    private StreamReconnector? _reconnector;
    private Process? _process;
    private Stream? _stdout;
    private volatile string? _lastStderr;
    private bool _ended;

    /// <summary>Creates the source (the process starts at the first read).</summary>
    protected ProcessFrameSource(FramePool pool, ReconnectPolicy? reconnect, TimeProvider? timeProvider, ILogger? logger)
        : base(pool, timeProvider, logger)
    {
        _policy = reconnect;
    }

    /// <summary>Start the process again when its output ends (cameras, RTSP); false for finite files.</summary>
    public bool RestartOnExit { get; init; } = true;

    /// <summary>What to run.</summary>
    protected abstract ProcessStartInfo CreateStartInfo();

    /// <summary>Reads one frame from stdout: a filled (unstamped) frame, or null when stdout ended.
    /// Per-frame problems are handled inside (logged, counted, next frame read).</summary>
    protected abstract ValueTask<Frame?> ReadFromAsync(Stream stdout, CancellationToken cancellationToken);

    /// <summary>Called when a new process starts (reset parsers).</summary>
    protected virtual void OnProcessStarted() { }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected override async ValueTask<Frame?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (!_ended)
        {
            if (_stdout is null && !TryStart())
            {
                if (!await WaitBeforeReconnectAsync("not started", cancellationToken).ConfigureAwait(false)) break;
                continue;
            }
            Frame? frame = null;
            string? failure = null;
            try
            {
                frame = await ReadFromAsync(_stdout!, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                failure = ex.Message;
                Log.ReadFailed(Logger, Name, ex.Message);
            }
            if (frame is not null)
            {
                _reconnector?.OnFrame();
                return Deliver(frame);
            }
            string exit = StopProcess();
            if (!RestartOnExit && failure is null)
            {
                Log.EndOfStream(Logger, Name, exit);
                _ended = true;
                break;
            }
            if (!await WaitBeforeReconnectAsync(exit, cancellationToken).ConfigureAwait(false)) break;
        }
        return null;
    }

    private async ValueTask<bool> WaitBeforeReconnectAsync(string exit, CancellationToken cancellationToken)
    {
        _reconnector ??= new StreamReconnector(_policy, TimeProvider, Logger, Name, Stats);
        if (await _reconnector.WaitAsync(exit, _lastStderr, cancellationToken).ConfigureAwait(false)) return true;
        _ended = true;
        return false;
    }

    private bool TryStart()
    {
        var psi = CreateStartInfo();
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = false;
        psi.UseShellExecute = false;
        try
        {
            var process = new Process { StartInfo = psi };
            process.ErrorDataReceived += (_, e) =>
            {
                if (string.IsNullOrWhiteSpace(e.Data)) return;
                _lastStderr = e.Data;
                Log.ProcessStderr(Logger, Name, e.Data);
            };
            process.Start();
            process.BeginErrorReadLine();
            _process = process;
            _stdout = process.StandardOutput.BaseStream;
            _lastStderr = null;
            OnProcessStarted();
            Log.ProcessStarted(Logger, Name, psi.FileName + " " + string.Join(' ', psi.ArgumentList));
            return true;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            Log.ProcessStartFailed(Logger, Name, ex.Message);
            _process = null;
            _stdout = null;
            return false;
        }
    }

    /// <summary>Kills the child if it still runs, reaps it and returns its exit code as text.</summary>
    private string StopProcess()
    {
        var process = _process;
        _process = null;
        _stdout = null;
        if (process is null) return "n/a";
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            // Reap it and let the stderr reader drain (bounded wait: never hang the read loop).
            process.WaitForExit(2000);
            return process.HasExited ? process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "still running";
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>Fills <paramref name="destination"/> completely; false if the stream ended first.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected static async ValueTask<bool> ReadExactlyAsync(Stream stream, Memory<byte> destination, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < destination.Length)
        {
            int n = await stream.ReadAsync(destination[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) StopProcess();
        base.Dispose(disposing);
    }
}
