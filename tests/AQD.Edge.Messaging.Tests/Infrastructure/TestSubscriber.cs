using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace AQD.Edge.Messaging.Tests.Infrastructure;

public sealed record Received(string Topic, byte[] Payload, bool Retain)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Payload);
}

/// <summary>An MQTTnet client that records everything it receives. With a fixed client id and
/// cleanSession false it keeps its broker session and reconnects on its own (outage test).</summary>
public sealed class TestSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options;
    private readonly string[] _filters;
    private readonly bool _reconnect;
    private volatile bool _disposed;
    public ConcurrentQueue<Received> Messages { get; } = new();

    private TestSubscriber(int port, string clientId, bool persistentSession, string[] filters)
    {
        _options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId)
            .WithCleanSession(!persistentSession).WithTimeout(TimeSpan.FromSeconds(10)).Build();
        _filters = filters;
        _reconnect = persistentSession;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Messages.Enqueue(new Received(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += async e =>
        {
            if (!_reconnect || _disposed || !e.ClientWasConnected) return;
            _ = Task.Run(ReconnectLoopAsync);
            await Task.CompletedTask;
        };
    }

    public static async Task<TestSubscriber> ConnectAsync(int port, params string[] filters) =>
        await ConnectAsync(port, "test-sub-" + Guid.NewGuid().ToString("N")[..8], false, filters);

    public static async Task<TestSubscriber> ConnectAsync(int port, string clientId, bool persistentSession, params string[] filters)
    {
        var s = new TestSubscriber(port, clientId, persistentSession, filters);
        await s.ConnectAndSubscribeAsync();
        return s;
    }

    private async Task ConnectAndSubscribeAsync()
    {
        await _client.ConnectAsync(_options);
        var b = new MqttClientSubscribeOptionsBuilder();
        foreach (var f in _filters) b = b.WithTopicFilter(f, MqttQualityOfServiceLevel.AtLeastOnce);
        await _client.SubscribeAsync(b.Build());
    }

    private async Task ReconnectLoopAsync()
    {
        while (!_disposed && !_client.IsConnected)
        {
            try { await ConnectAndSubscribeAsync(); TestLog.Write("subscriber reconnected"); return; }
            catch (Exception) { await Task.Delay(50); }
        }
    }

    public Task PublishAsync(string topic, string payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public List<Received> On(string topic) => Messages.Where(m => m.Topic == topic).ToList();

    public Task WaitForAsync(Func<TestSubscriber, bool> condition, string what) =>
        Wait.UntilAsync(() => condition(this), Wait.Long, what);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        try { if (_client.IsConnected) await _client.DisconnectAsync(new MqttClientDisconnectOptions()); } catch (Exception) { }
        _client.Dispose();
    }
}
