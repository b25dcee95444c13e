using System.Net;
using System.Net.Sockets;

namespace AQD.Edge.Messaging.Tests.Infrastructure;

/// <summary>127.0.0.1 TCP forwarder; <see cref="ResetAll"/> tears the live connections down with
/// RST (an unclean connection loss, as when the device loses power or network).</summary>
public sealed class TcpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _cts = new();

    public int Port { get; }

    public TcpProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_cts.Token); } catch (Exception) { return; }
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try { await upstream.ConnectAsync(IPAddress.Loopback, _target); }
            catch (SocketException) { client.Dispose(); upstream.Dispose(); continue; }
            lock (_sockets) { _sockets.Add(client); _sockets.Add(upstream); }
            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buf = new byte[16384];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buf, SocketFlags.None);
                if (n == 0) break;
                await to.SendAsync(buf.AsMemory(0, n), SocketFlags.None);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception) { /* reset */ }
    }

    /// <summary>Resets every live connection (SO_LINGER 0 + close = TCP RST, no MQTT DISCONNECT).</summary>
    public void ResetAll()
    {
        lock (_sockets)
        {
            foreach (var s in _sockets)
            {
                try { s.LingerState = new LingerOption(true, 0); s.Close(); } catch (Exception) { }
            }
            _sockets.Clear();
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _listener.Stop();
        ResetAll();
    }
}
