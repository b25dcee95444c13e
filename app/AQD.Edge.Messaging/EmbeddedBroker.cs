using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;

namespace AQD.Edge.Messaging;

/// <summary>
/// The in-process MQTT broker (MQTTnet.Server) the worker starts when no broker is configured:
/// listens on 127.0.0.1 only, anonymous, in-memory retained messages. Port 0 picks a free port
/// (bound once by the OS to find it, then given to the server: a tiny race other programs could
/// win, reported as a start failure).
/// </summary>
public sealed partial class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _log;

    public int Port { get; }

    private EmbeddedBroker(MqttServer server, int port, ILogger log)
    {
        _server = server; Port = port; _log = log;
    }

    public static async Task<EmbeddedBroker> StartAsync(int port = 0, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var log = logger ?? NullLogger.Instance;
        if (port == 0) port = FreeLoopbackPort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync().ConfigureAwait(false);
        var broker = new EmbeddedBroker(server, port, log);
        broker.LogStarted(port);
        return broker;
    }

    /// <summary>A currently free TCP port on 127.0.0.1.</summary>
    public static int FreeLoopbackPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int p = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return p;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
            LogStopped(Port);
        }
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Embedded MQTT broker listening on 127.0.0.1:{Port}")]
    private partial void LogStarted(int port);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Embedded MQTT broker on port {Port} stopped")]
    private partial void LogStopped(int port);
}
