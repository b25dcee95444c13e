using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace AQD.Edge.Messaging;

/// <summary>
/// Publishes the worker's MQTT traffic (see <see cref="MqttTopics"/>) and keeps object events safe
/// while the broker is away.
/// <list type="bullet">
/// <item>Object events go through the bounded on-disk <see cref="DiskEventQueue"/>: one sender loop
///   publishes the oldest with QoS 1 and removes it only after the broker's PUBACK, so delivery is in
///   order and at least once, also across a broker outage or a process restart. A full queue drops
///   the oldest events; the count appears in stats (<c>dropped_events</c>).</item>
/// <item>Connection: Last Will <c>offline</c> (retained) on <c>available</c>, <c>online</c> (retained)
///   after each connect; reconnect with exponential backoff (<see cref="ReconnectBackoff"/>) timed by
///   the injected <see cref="TimeProvider"/>; clean stop publishes <c>offline</c>.</item>
/// <item>State topics (counts, snapshots; retained) are sent when connected and their latest value is
///   re-sent after every reconnect; per-frame detections and stats are best effort (QoS 0, dropped while
///   disconnected, as the next ones supersede them).</item>
/// <item>Home Assistant discovery is sent after each connect and whenever <c>homeassistant/status</c>
///   says <c>online</c>.</item>
/// <item>With no broker host configured, an <see cref="EmbeddedBroker"/> is started first.</item>
/// </list>
/// </summary>
public sealed partial class MqttPublisher : IAsyncDisposable
{
    private readonly MqttOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<string, byte[]> _retainedState = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _lastCounts = new(StringComparer.Ordinal);
    private readonly long _startTimestamp;
    private CancellationTokenSource? _cts;
    private Task? _loop;
    private ITimer? _statsTimer;
    private EmbeddedBroker? _broker;
    private DiskEventQueue? _queue;
    private int _discoveryRequested;
    private int _stateDirty;
    private long _delivered;
    private long _connects;
    private long _connectFailures;
    private long _queueWriteFailures;
    private volatile bool _online;
    private int _onlineRequested;

    public MqttPublisher(MqttOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        options.ValidateOrThrow();
        _options = options;
        _log = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
        Topics = MqttTopics.From(options);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    public MqttTopics Topics { get; }
    public bool IsConnected => _client.IsConnected;
    /// <summary>Connected and <c>online</c> acknowledged by the broker (status LED, tests).</summary>
    public bool IsOnline => _online && _client.IsConnected;
    /// <summary>Port of the embedded broker, null when an external broker is used.</summary>
    public int? EmbeddedBrokerPort => _broker?.Port;
    public int QueueDepth => _queue?.Count ?? 0;
    /// <summary>Events lost: dropped by the full queue (oldest first) or not writable to disk.</summary>
    public long DroppedEvents => (_queue?.Dropped ?? 0) + Interlocked.Read(ref _queueWriteFailures);
    public long CorruptQueueRecords => _queue?.CorruptRecords ?? 0;
    /// <summary>Events the broker acknowledged since start.</summary>
    public long DeliveredEvents => Interlocked.Read(ref _delivered);
    /// <summary>Failed connect attempts since start.</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);
    /// <summary>Successful connects since start (1 + reconnects).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Filled by the pipeline; published every <see cref="MqttOptions.StatsInterval"/>.</summary>
    public Func<StatsRecord>? StatsSource { get; set; }

    /// <summary>Opens the on-disk queue, starts the embedded broker if no host is configured, and
    /// starts the sender loop and the stats timer. Returns without waiting for the broker.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_loop is not null) throw new InvalidOperationException("Already started.");
        _queue = DiskEventQueue.Open(_options.QueuePath, _options.QueueCapacity, _options.QueueFsync, _log);
        if (_options.UsesEmbeddedBroker)
            _broker = await EmbeddedBroker.StartAsync(_options.Port, _log).ConfigureAwait(false);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = Task.Run(() => RunAsync(_cts.Token), CancellationToken.None);
        _statsTimer = _time.CreateTimer(_ => _ = PublishStatsFromSourceAsync(), null, _options.StatsInterval, _options.StatsInterval);
    }

    /// <summary>Queues an object event (durably, before returning) for in-order QoS-1 delivery.</summary>
    public void PublishEvent(ObjectEvent ev)
    {
        var queue = _queue ?? throw new InvalidOperationException("Not started.");
        try
        {
            queue.Enqueue(Topics.Events, JsonSerializer.SerializeToUtf8Bytes(ev, MessagingJsonContext.Default.ObjectEvent));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Disk full or read-only: the pipeline goes on; the event is lost and counted.
            Interlocked.Increment(ref _queueWriteFailures);
            LogQueueWriteFailed(e.Message);
            return;
        }
        Signal();
    }

    public void PublishEvents(IEnumerable<ObjectEvent> events)
    {
        foreach (var e in events) PublishEvent(e);
    }

    /// <summary>Current count of a label on a camera (retained; re-sent after reconnect).</summary>
    public Task PublishCountAsync(string camera, string label, int count, CancellationToken ct = default) =>
        PublishStateAsync(Topics.Count(camera, label), Encoding.ASCII.GetBytes(count.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct);

    /// <summary>Publishes the counts of one camera that changed since the last call, and 0 for
    /// labels that disappeared (feed it <see cref="ObjectTracker.CountsByLabel"/> after each frame).</summary>
    public async Task PublishCountsAsync(string camera, IReadOnlyDictionary<string, int> counts, CancellationToken ct = default)
    {
        List<(string Label, int Count)> changed = [];
        lock (_lastCounts)
        {
            if (!_lastCounts.TryGetValue(camera, out var last)) _lastCounts[camera] = last = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (label, n) in counts)
                if (!last.TryGetValue(label, out int before) || before != n) { changed.Add((label, n)); last[label] = n; }
            foreach (var label in last.Keys.ToList())
                if (!counts.ContainsKey(label) && last[label] != 0) { changed.Add((label, 0)); last[label] = 0; }
        }
        foreach (var (label, n) in changed) await PublishCountAsync(camera, label, n, ct).ConfigureAwait(false);
    }

    /// <summary>Latest JPEG of a label on a camera (retained; re-sent after reconnect).</summary>
    public Task PublishSnapshotAsync(string camera, string label, ReadOnlyMemory<byte> jpeg, CancellationToken ct = default) =>
        PublishStateAsync(Topics.Snapshot(camera, label), jpeg.ToArray(), ct);

    /// <summary>Per-frame detections (QoS 0) when <see cref="MqttOptions.PublishFrameDetections"/> is on.</summary>
    public Task PublishDetectionsAsync(FrameDetections frame, CancellationToken ct = default) =>
        _options.PublishFrameDetections
            ? TryPublishAsync(Topics.Detections(frame.Camera), JsonSerializer.SerializeToUtf8Bytes(frame, MessagingJsonContext.Default.FrameDetections), MqttQualityOfServiceLevel.AtMostOnce, false, ct)
            : Task.CompletedTask;

    /// <summary>Publishes stats (QoS 0, not retained) after filling the delivery fields.</summary>
    public Task PublishStatsAsync(StatsRecord stats, CancellationToken ct = default)
    {
        stats.EventQueueDepth = QueueDepth;
        stats.DroppedEvents = DroppedEvents;
        stats.CorruptQueueRecords = CorruptQueueRecords;
        if (stats.MemoryBytes == 0) stats.MemoryBytes = Environment.WorkingSet;
        if (stats.UptimeSeconds == 0) stats.UptimeSeconds = (long)_time.GetElapsedTime(_startTimestamp).TotalSeconds;
        return TryPublishAsync(Topics.Stats, JsonSerializer.SerializeToUtf8Bytes(stats, MessagingJsonContext.Default.StatsRecord), MqttQualityOfServiceLevel.AtMostOnce, false, ct);
    }

    private async Task PublishStatsFromSourceAsync()
    {
        try
        {
            await PublishStatsAsync(StatsSource?.Invoke() ?? new StatsRecord()).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogStatsFailed(e.Message);
        }
    }

    private async Task PublishStateAsync(string topic, byte[] payload, CancellationToken ct)
    {
        lock (_retainedState) _retainedState[topic] = payload;
        if (!await TryPublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, true, ct).ConfigureAwait(false))
        {
            Interlocked.Exchange(ref _stateDirty, 1); // re-sent by the loop on (re)connect
            Signal();
        }
    }

    private async Task<bool> TryPublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken ct)
    {
        if (!_client.IsConnected) return false;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.OperationTimeout);
            var result = await _client.PublishAsync(Message(topic, payload, qos, retain), timeout.Token).ConfigureAwait(false);
            return Acknowledged(result);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogPublishFailed(topic, e.Message);
            return false;
        }
    }

    private static MqttApplicationMessage Message(string topic, byte[] payload, MqttQualityOfServiceLevel qos, bool retain) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag(retain).Build();

    private static bool Acknowledged(MqttClientPublishResult r) =>
        r.IsSuccess || r.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers;

    private void Signal() => _signal.Writer.TryWrite(true);

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        _online = false;
        if (e.ClientWasConnected) LogDisconnected(e.Reason.ToString(), e.Exception?.Message ?? "");
        Signal();
        return Task.CompletedTask;
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Never publish from inside the receive handler (it runs on the client's receive loop): flag and wake the sender loop.
        // Our own Last Will can reach the broker after we reconnected (the broker noticed the dead
        // connection late, or on session takeover): answer a stray "offline" with "online" again.
        if (e.ApplicationMessage.Topic == Topics.Available && _online &&
            string.Equals(e.ApplicationMessage.ConvertPayloadToString(), MqttTopics.Offline, StringComparison.Ordinal))
        {
            LogStrayOffline();
            Interlocked.Exchange(ref _onlineRequested, 1);
            Signal();
        }
        if (e.ApplicationMessage.Topic == Topics.HomeAssistantStatus &&
            string.Equals(e.ApplicationMessage.ConvertPayloadToString()?.Trim(), MqttTopics.Online, StringComparison.OrdinalIgnoreCase))
        {
            LogHomeAssistantOnline();
            Interlocked.Exchange(ref _discoveryRequested, 1);
            Signal();
        }
        return Task.CompletedTask;
    }

    private MqttClientOptions ClientOptions()
    {
        string host = _broker is null ? _options.Host! : "127.0.0.1";
        int port = _broker?.Port ?? _options.Port;
        var b = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(_options.EffectiveClientId)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.OperationTimeout)
            .WithWillTopic(Topics.Available)
            .WithWillPayload(MqttTopics.Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (!string.IsNullOrEmpty(_options.Username)) b = b.WithCredentials(_options.Username, _options.Password ?? "");
        if (_options.UseTls)
        {
            b = b.WithTlsOptions(t =>
            {
                t.UseTls(true).WithTargetHost(host);
                if (_options.AllowUntrustedCertificates)
                    t.WithAllowUntrustedCertificates(true).WithIgnoreCertificateChainErrors(true).WithCertificateValidationHandler(_ => true);
                else if (!string.IsNullOrEmpty(_options.CaFile))
                    t.WithTrustChain([X509CertificateLoader.LoadCertificateFromFile(_options.CaFile)]);
            });
        }
        return b.Build();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        int attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    string? failure;
                    try
                    {
                        // MQTTnet 5 reports a refused CONNECT (bad credentials, ...) in the result, not as an exception.
                        var result = await _client.ConnectAsync(ClientOptions(), ct).ConfigureAwait(false);
                        failure = result.ResultCode == MqttClientConnectResultCode.Success ? null : $"broker refused: {result.ResultCode} {result.ReasonString}";
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        failure = e.Message;
                    }
                    if (failure is not null || !_client.IsConnected)
                    {
                        var delay = ReconnectBackoff.Delay(attempt++, _options.ReconnectMinDelay, _options.ReconnectMaxDelay);
                        LogConnectFailed(_options.Host ?? "embedded", failure ?? "connection closed", delay.TotalMilliseconds);
                        var retry = Task.Delay(delay, _time, ct);
                        Interlocked.Increment(ref _connectFailures); // counted once the retry is scheduled
                        await retry.ConfigureAwait(false);
                        continue;
                    }
                    Interlocked.Increment(ref _connects);
                    LogConnected(_options.Host ?? "embedded", QueueDepth);
                    await OnConnectedAsync(ct).ConfigureAwait(false);
                    attempt = 0; // only once the broker acknowledged "online": a connection that breaks at once keeps backing off
                }
                if (Interlocked.Exchange(ref _onlineRequested, 0) == 1)
                    await PublishOrThrowAsync(Topics.Available, Encoding.ASCII.GetBytes(MqttTopics.Online), MqttQualityOfServiceLevel.AtLeastOnce, true, ct).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _discoveryRequested, 0) == 1) await PublishDiscoveryAsync(ct).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _stateDirty, 0) == 1) await PublishRetainedStateAsync(ct).ConfigureAwait(false);
                await DrainQueueAsync(ct).ConfigureAwait(false);
                if (_client.IsConnected) await WaitForSignalAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                break; // stopping: MQTTnet may report the cancellation as a timeout; StopAsync says offline
            }
            catch (Exception e)
            {
                // A publish failed mid-way (connection lost, timeout): the message stays queued.
                LogSendFailed(e.Message);
                if (_client.IsConnected)
                {
                    try { await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false); }
                    catch (Exception) { /* already broken */ }
                }
                try { await Task.Delay(ReconnectBackoff.Delay(attempt++, _options.ReconnectMinDelay, _options.ReconnectMaxDelay), _time, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    private async Task OnConnectedAsync(CancellationToken ct)
    {
        await PublishOrThrowAsync(Topics.Available, Encoding.ASCII.GetBytes(MqttTopics.Online), MqttQualityOfServiceLevel.AtLeastOnce, true, ct).ConfigureAwait(false);
        var sub = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Available, MqttQualityOfServiceLevel.AtLeastOnce);
        if (Topics.HomeAssistantStatus is { } status) sub = sub.WithTopicFilter(status, MqttQualityOfServiceLevel.AtLeastOnce);
        await _client.SubscribeAsync(sub.Build(), ct).ConfigureAwait(false);
        Interlocked.Exchange(ref _stateDirty, 0);
        await PublishRetainedStateAsync(ct).ConfigureAwait(false); // before IsOnline: later state goes out directly
        Interlocked.Exchange(ref _discoveryRequested, 1);
        _online = true;
    }

    private async Task DrainQueueAsync(CancellationToken ct)
    {
        var queue = _queue!;
        while (_client.IsConnected && queue.TryPeek(out var m))
        {
            await PublishOrThrowAsync(m.Topic, m.Payload, _options.EventQosLevel, false, ct).ConfigureAwait(false);
            queue.Acknowledge(m.Seq);
            Interlocked.Increment(ref _delivered);
            if (Volatile.Read(ref _discoveryRequested) == 1) return; // let the loop answer HA quickly
        }
    }

    private async Task PublishOrThrowAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.OperationTimeout);
        var result = await _client.PublishAsync(Message(topic, payload, qos, retain), timeout.Token).ConfigureAwait(false);
        if (!Acknowledged(result)) throw new InvalidOperationException($"Broker refused {topic}: {result.ReasonCode} {result.ReasonString}");
    }

    private async Task PublishRetainedStateAsync(CancellationToken ct)
    {
        KeyValuePair<string, byte[]>[] state;
        lock (_retainedState) state = [.. _retainedState];
        foreach (var (topic, payload) in state)
            await PublishOrThrowAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, true, ct).ConfigureAwait(false);
    }

    /// <summary>The Home Assistant discovery configs: per camera and label a count sensor and a
    /// presence binary sensor, and one inference-ms sensor; all with the availability topic.</summary>
    public IEnumerable<(string Topic, DiscoveryConfig Config)> DiscoveryConfigs()
    {
        if (Topics.DiscoveryPrefix is null) yield break;
        string node = _options.DeviceId;
        var device = new DiscoveryDevice { Identifiers = ["aqd_" + node], Name = "AQD.Edge " + node };
        foreach (var camera in _options.DiscoveryCameras)
            foreach (var label in _options.DiscoveryLabels)
            {
                string obj = $"{MqttTopics.Segment(camera)}_{MqttTopics.Segment(label)}";
                yield return (Topics.DiscoveryConfig("sensor", node, obj + "_count"), new DiscoveryConfig
                {
                    Name = $"{camera} {label} count", UniqueId = $"aqd_{node}_{obj}_count",
                    StateTopic = Topics.Count(camera, label), AvailabilityTopic = Topics.Available,
                    StateClass = "measurement", Icon = "mdi:counter", Device = device,
                });
                yield return (Topics.DiscoveryConfig("binary_sensor", node, obj + "_presence"), new DiscoveryConfig
                {
                    Name = $"{camera} {label} present", UniqueId = $"aqd_{node}_{obj}_presence",
                    StateTopic = Topics.Count(camera, label), AvailabilityTopic = Topics.Available,
                    ValueTemplate = "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}", PayloadOn = "ON", PayloadOff = "OFF",
                    DeviceClass = "occupancy", Device = device,
                });
            }
        yield return (Topics.DiscoveryConfig("sensor", node, "inference_ms"), new DiscoveryConfig
        {
            Name = "inference speed", UniqueId = $"aqd_{node}_inference_ms",
            StateTopic = Topics.Stats, AvailabilityTopic = Topics.Available,
            ValueTemplate = "{{ value_json.inference_ms.avg }}", UnitOfMeasurement = "ms", StateClass = "measurement",
            Icon = "mdi:speedometer", Device = device,
        });
    }

    private async Task PublishDiscoveryAsync(CancellationToken ct)
    {
        int n = 0;
        foreach (var (topic, config) in DiscoveryConfigs())
        {
            await PublishOrThrowAsync(topic, JsonSerializer.SerializeToUtf8Bytes(config, MessagingJsonContext.Default.DiscoveryConfig),
                MqttQualityOfServiceLevel.AtLeastOnce, false, ct).ConfigureAwait(false);
            n++;
        }
        if (n > 0) LogDiscoverySent(n);
    }

    private async Task WaitForSignalAsync(CancellationToken ct)
    {
        if (!_signal.Reader.TryRead(out _))
        {
            await _signal.Reader.WaitToReadAsync(ct).ConfigureAwait(false);
            _signal.Reader.TryRead(out _);
        }
    }

    /// <summary>Waits until the on-disk queue is empty (all events acknowledged) or the timeout passes.</summary>
    public async Task<bool> WaitForQueueEmptyAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        long start = _time.GetTimestamp();
        while (QueueDepth > 0)
        {
            if (_time.GetElapsedTime(start) > timeout) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, ct).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Stops the loop, publishes <c>offline</c> and disconnects cleanly (no Last Will),
    /// closes the queue (pending events stay on disk) and stops the embedded broker.</summary>
    public async Task StopAsync()
    {
        if (_cts is null) return;
        _statsTimer?.Dispose();
        _cts.Cancel();
        try { if (_loop is not null) await _loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _online = false;
        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.OperationTimeout);
                await _client.PublishAsync(Message(Topics.Available, Encoding.ASCII.GetBytes(MqttTopics.Offline), MqttQualityOfServiceLevel.AtLeastOnce, true), timeout.Token).ConfigureAwait(false);
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogPublishFailed(Topics.Available, e.Message);
            }
        }
        _queue?.Dispose();
        if (_broker is not null) await _broker.DisposeAsync().ConfigureAwait(false);
        _broker = null;
        _cts.Dispose();
        _cts = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _client.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "MQTT connected to {Broker}; {Pending} events pending")]
    private partial void LogConnected(string broker, int pending);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "MQTT connect to {Broker} failed ({Error}); retrying in {DelayMs} ms")]
    private partial void LogConnectFailed(string broker, string error, double delayMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "MQTT disconnected ({Reason}) {Error}")]
    private partial void LogDisconnected(string reason, string error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "MQTT send failed ({Error}); events stay queued")]
    private partial void LogSendFailed(string error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "MQTT publish to {Topic} failed: {Error}")]
    private partial void LogPublishFailed(string topic, string error);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Home Assistant discovery sent ({Count} entities)")]
    private partial void LogDiscoverySent(int count);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Home Assistant announced itself online")]
    private partial void LogHomeAssistantOnline();

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Broker announced this device offline while connected (late Last Will); re-announcing online")]
    private partial void LogStrayOffline();

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Event queue write failed ({Error}); event dropped")]
    private partial void LogQueueWriteFailed(string error);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Stats publish failed: {Error}")]
    private partial void LogStatsFailed(string error);
}
