using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AQD.Edge.Messaging;
using MQTTnet;
using MQTTnet.Protocol;

namespace AQD.Edge.Worker.Demo;

/// <summary>
/// The demo's in-process MQTT subscriber: subscribes to <c>&lt;prefix&gt;/#</c> on the broker the
/// worker publishes to and prints one line per message (events, counts, snapshots, stats, availability).
/// </summary>
internal sealed class EventPrinter(TextWriter output, MqttTopics topics) : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Lock _gate = new();
    private int _events;

    public int EventsReceived => Volatile.Read(ref _events);

    public async Task ConnectAsync(string host, int port, CancellationToken ct)
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Print(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray());
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("aqd-edge-demo-printer").WithCleanSession(true).Build();
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await _client.ConnectAsync(options, ct).ConfigureAwait(false);
                break;
            }
            catch (Exception) when (attempt < 50 && !ct.IsCancellationRequested)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topics.Prefix + "/#", MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct).ConfigureAwait(false);
    }

    private void Print(string topic, byte[] payload)
    {
        string line;
        string rel = topic.StartsWith(topics.Prefix + "/", StringComparison.Ordinal) ? topic[(topics.Prefix.Length + 1)..] : topic;
        try
        {
            if (topic == topics.Events)
            {
                Interlocked.Increment(ref _events);
                using var doc = JsonDocument.Parse(payload);
                var after = doc.RootElement.GetProperty("after");
                var box = string.Join(",", after.GetProperty("box").EnumerateArray().Select(x => x.GetInt32().ToString(CultureInfo.InvariantCulture)));
                line = string.Create(CultureInfo.InvariantCulture,
                    $"[event]    {doc.RootElement.GetProperty("type").GetString(),-6} {after.GetProperty("label").GetString(),-14} score {after.GetProperty("score").GetDouble():0.000}  box [{box}]  id {after.GetProperty("id").GetString()}");
            }
            else if (topic == topics.Stats)
            {
                using var doc = JsonDocument.Parse(payload);
                var r = doc.RootElement;
                var inf = r.GetProperty("inference_ms");
                line = string.Create(CultureInfo.InvariantCulture,
                    $"[stats]    inference p50 {inf.GetProperty("p50").GetDouble():0.0} ms p95 {inf.GetProperty("p95").GetDouble():0.0} ms p99 {inf.GetProperty("p99").GetDouble():0.0} ms, process {r.GetProperty("process_fps").GetDouble():0.00} fps, dropped {r.GetProperty("dropped_frames").GetInt64()}, events queued {r.GetProperty("event_queue_depth").GetInt32()}, memory {r.GetProperty("memory_bytes").GetInt64() >> 20} MB");
            }
            else if (topic.EndsWith("/snapshot", StringComparison.Ordinal))
                line = $"[snapshot] {rel}: JPEG {payload.Length / 1024} KB";
            else if (topic == topics.Available)
                line = $"[status]   {Encoding.UTF8.GetString(payload)}";
            else if (rel.Split('/').Length == 2 && !rel.EndsWith("/detections", StringComparison.Ordinal))
                line = $"[count]    {rel} = {Encoding.UTF8.GetString(payload)}";
            else
                line = $"[mqtt]     {rel}: {payload.Length} bytes";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            line = $"[mqtt]     {rel}: unreadable ({e.Message})";
        }
        lock (_gate) output.WriteLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        try { if (_client.IsConnected) await _client.DisconnectAsync(new MqttClientDisconnectOptions()).ConfigureAwait(false); }
        catch (Exception) { /* broker already gone */ }
        _client.Dispose();
    }
}
