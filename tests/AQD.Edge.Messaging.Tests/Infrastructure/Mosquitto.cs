using System.Diagnostics;
using System.Net.Sockets;
using AQD.Edge.Messaging;

namespace AQD.Edge.Messaging.Tests.Infrastructure;

/// <summary>
/// A real mosquitto on a free 127.0.0.1 port with a temporary config (anonymous; persistence off
/// unless asked, then in the temporary folder). Stop/Start keep the port (broker outage). The
/// process is killed on dispose.
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    private readonly string _dir;
    private Process? _process;

    public int Port { get; }
    public bool Persistent { get; }

    private Mosquitto(int port, bool persistent, string? listenerConfig)
    {
        Port = port;
        Persistent = persistent;
        _dir = Directory.CreateTempSubdirectory("aqd-mosquitto-").FullName;
        var conf = $"""
            listener {port} 127.0.0.1
            {listenerConfig ?? "allow_anonymous true"}
            persistence {(persistent ? "true" : "false")}
            persistence_location {_dir}/
            user root
            log_dest stderr
            log_type error
            log_type warning
            max_queued_messages 100000
            """;
        File.WriteAllText(ConfigPath, conf + "\n");
    }

    private string ConfigPath => Path.Combine(_dir, "mosquitto.conf");

    /// <summary>Temporary folder of this broker (config, persistence, test certificates).</summary>
    public string Folder => _dir;

    /// <param name="listenerConfig">Lines after the listener line instead of <c>allow_anonymous true</c> (TLS, password file).</param>
    public static async Task<Mosquitto> StartAsync(bool persistent = false, int port = 0, string? listenerConfig = null)
    {
        var m = new Mosquitto(port == 0 ? EmbeddedBroker.FreeLoopbackPort() : port, persistent, listenerConfig);
        await m.StartAsync();
        return m;
    }

    public async Task StartAsync()
    {
        if (_process is not null) throw new InvalidOperationException("running");
        var psi = new ProcessStartInfo("mosquitto", ["-c", ConfigPath])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) TestLog.Write("mosquitto: " + line); };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        // Ready when it accepts TCP connections.
        await Wait.UntilAsync(() => _process.HasExited || CanConnect(), TimeSpan.FromSeconds(20), "mosquitto listening");
        if (_process.HasExited) throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}");
    }

    private bool CanConnect()
    {
        try
        {
            using var c = new TcpClient();
            c.Connect("127.0.0.1", Port);
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>SIGTERM (mosquitto saves its persistence file) and wait for the exit.</summary>
    public async Task StopAsync()
    {
        var p = _process;
        if (p is null) return;
        _process = null;
        if (!p.HasExited)
        {
            Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(); await p.WaitForExitAsync(); }
        }
        p.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        var p = _process;
        _process = null;
        if (p is not null)
        {
            try { if (!p.HasExited) { p.Kill(); await p.WaitForExitAsync(); } } catch (InvalidOperationException) { }
            p.Dispose();
        }
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
