using System.Text.Json;
using AQD.Edge.Messaging.Tests.Infrastructure;

namespace AQD.Edge.Messaging.Tests;

/// <summary>
/// The publisher against a real mosquitto (one per test, free 127.0.0.1 port) and real external
/// clients (mosquitto_sub processes, MQTTnet clients). Only loopback traffic; every wait is a
/// wait-for-condition with a generous timeout.
/// </summary>
public sealed class MosquittoIntegrationTests : IDisposable
{
    private readonly string _queueDir = Directory.CreateTempSubdirectory("aqd-pubq-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_queueDir, true); } catch (IOException) { }
    }

    private MqttOptions Options(int port, Action<MqttOptions>? tweak = null)
    {
        var o = new MqttOptions
        {
            DeviceId = "testdev", Host = "127.0.0.1", Port = port, QueuePath = _queueDir, QueueCapacity = 1000,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
            KeepAlive = TimeSpan.FromSeconds(5), OperationTimeout = TimeSpan.FromSeconds(10), StatsInterval = TimeSpan.FromHours(1),
        };
        tweak?.Invoke(o);
        return o;
    }

    private static MqttPublisher Publisher(MqttOptions o, string name = "pub") => new(o, new TestLogger(name));

    private static ObjectEvent Ev(int n, string type = EventTypes.New) => new()
    {
        Type = type,
        After = new EventObject { Id = $"ev-{n}", Camera = "front", Label = "person", Score = 0.5f + n % 50 / 100f, TopScore = 0.9f, Box = [n, n, n + 10, n + 20], FrameTime = n, StartTime = n },
    };

    private static int EventNumber(string json) =>
        int.Parse(JsonDocument.Parse(json).RootElement.GetProperty("after").GetProperty("id").GetString()!["ev-".Length..]);

    private static async Task WaitConnected(MqttPublisher p) => await Wait.UntilAsync(() => p.IsOnline, Wait.Long, "publisher online");

    [Fact]
    public async Task Events_from_the_tracker_arrive_in_order_at_mosquitto_sub()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var pub = Publisher(Options(broker.Port));
        await pub.StartAsync(TestContext.Current.CancellationToken);
        await WaitConnected(pub);

        var tracker = new ObjectTracker("front", new TrackerOptions { MaxMissedFrames = 1 });
        var events = new List<ObjectEvent>();
        for (int f = 0; f < 8; f++)
            events.AddRange(tracker.Update(f < 5 ? [new Detection("person", 0.5f + f / 10f, new PixelBox(10 * f, 0, 10 * f + 100, 200))] : []));
        Assert.Equal([EventTypes.New, EventTypes.Update, EventTypes.Update, EventTypes.Update, EventTypes.Update, EventTypes.End], events.Select(e => e.Type));

        // The retained "online" comes first, once the subscription is live; then the events.
        using var sub = new MosquittoSub(broker.Port, 1 + events.Count, pub.Topics.Available, pub.Topics.Events);
        await Wait.UntilAsync(() => !sub.Lines.IsEmpty, Wait.Long, "mosquitto_sub subscribed (retained online)");
        pub.PublishEvents(events);
        var lines = await sub.WaitForExitAsync();

        Assert.Equal("aqd/testdev/available online", lines[0]);
        var received = lines.Skip(1).Select(l => l["aqd/testdev/events ".Length..]).ToList();
        Assert.All(lines.Skip(1), l => Assert.StartsWith("aqd/testdev/events {", l));
        Assert.Equal(events.Select(e => e.Type), received.Select(j => JsonDocument.Parse(j).RootElement.GetProperty("type").GetString()));
        Assert.Single(received.Select(j => JsonDocument.Parse(j).RootElement.GetProperty("after").GetProperty("id").GetString()).Distinct());
        var last = JsonDocument.Parse(received[^1]).RootElement.GetProperty("after");
        Assert.Equal([40, 0, 140, 200], last.GetProperty("box").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(JsonValueKind.Number, last.GetProperty("end_time").ValueKind);
        await Wait.UntilAsync(() => pub.QueueDepth == 0, Wait.Long, "queue drained");
        Assert.Equal(events.Count, pub.DeliveredEvents);
    }

    [Fact]
    public async Task Stats_are_published_every_interval_with_delivery_fields()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var sub = await TestSubscriber.ConnectAsync(broker.Port, "aqd/testdev/stats");
        await using var pub = Publisher(Options(broker.Port, o => o.StatsInterval = TimeSpan.FromMilliseconds(200)));
        pub.StatsSource = () => new StatsRecord
        {
            InferenceMs = new LatencyStats { Avg = 41.5, P50 = 40, P95 = 55, P99 = 70 },
            CaptureFps = 15, ProcessFps = 12, SkippedFps = 3, DetectionFps = 2, DroppedFrames = 7, CpuTemperature = 61.2,
        };
        await pub.StartAsync(TestContext.Current.CancellationToken);
        await sub.WaitForAsync(s => s.On("aqd/testdev/stats").Count >= 2, "two stats messages");
        var root = JsonDocument.Parse(sub.On("aqd/testdev/stats")[1].Text).RootElement;
        Assert.Equal(41.5, root.GetProperty("inference_ms").GetProperty("avg").GetDouble());
        Assert.Equal(70, root.GetProperty("inference_ms").GetProperty("p99").GetDouble());
        Assert.Equal(15, root.GetProperty("capture_fps").GetDouble());
        Assert.Equal(7, root.GetProperty("dropped_frames").GetInt64());
        Assert.Equal(61.2, root.GetProperty("cpu_temperature").GetDouble());
        Assert.Equal(0, root.GetProperty("dropped_events").GetInt64());
        Assert.Equal(0, root.GetProperty("event_queue_depth").GetInt32());
        Assert.True(root.GetProperty("memory_bytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Snapshot_and_count_are_retained_for_late_subscribers()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var pub = Publisher(Options(broker.Port));
        await pub.StartAsync(TestContext.Current.CancellationToken);
        await WaitConnected(pub);
        var jpeg = new byte[3000];
        new Random(5).NextBytes(jpeg);
        jpeg[0] = 0xFF; jpeg[1] = 0xD8;
        await pub.PublishSnapshotAsync("front", "person", jpeg, TestContext.Current.CancellationToken);
        await pub.PublishCountAsync("front", "person", 2, TestContext.Current.CancellationToken);

        await using var late = await TestSubscriber.ConnectAsync(broker.Port, "aqd/testdev/front/#");
        await late.WaitForAsync(s => s.Messages.Count >= 2, "retained snapshot and count");
        var snap = Assert.Single(late.On("aqd/testdev/front/person/snapshot"));
        Assert.True(snap.Retain);
        Assert.Equal(jpeg, snap.Payload);
        var count = Assert.Single(late.On("aqd/testdev/front/person"));
        Assert.True(count.Retain);
        Assert.Equal("2", count.Text);
    }

    [Fact]
    public async Task Counts_publish_only_changes_and_per_frame_detections_are_optional()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var sub = await TestSubscriber.ConnectAsync(broker.Port, "aqd/testdev/front/+"); // + also matches detections
        await using var pub = Publisher(Options(broker.Port, o => o.PublishFrameDetections = true));
        await pub.StartAsync(TestContext.Current.CancellationToken);
        await WaitConnected(pub);
        var ct = TestContext.Current.CancellationToken;
        await pub.PublishCountsAsync("front", new Dictionary<string, int> { ["person"] = 2, ["car"] = 1 }, ct);
        await pub.PublishCountsAsync("front", new Dictionary<string, int> { ["person"] = 2, ["car"] = 1 }, ct); // unchanged: nothing
        await pub.PublishCountsAsync("front", new Dictionary<string, int> { ["person"] = 1 }, ct);               // car gone -> 0
        await pub.PublishDetectionsAsync(new FrameDetections
        {
            Camera = "front", FrameTime = 12.25, Detections = [new DetectionJson { Label = "person", Score = 0.875f, Box = [1, 2, 3, 4] }],
        }, ct);
        await sub.WaitForAsync(s => s.Messages.Count >= 5, "4 count changes and 1 detections message");
        Assert.Equal(["2", "1"], sub.On("aqd/testdev/front/person").Select(m => m.Text));
        Assert.Equal(["1", "0"], sub.On("aqd/testdev/front/car").Select(m => m.Text));
        Assert.Equal("""{"camera":"front","frame_time":12.25,"detections":[{"label":"person","score":0.875,"box":[1,2,3,4]}]}""",
            Assert.Single(sub.On("aqd/testdev/front/detections")).Text);
    }

    [Fact]
    public async Task State_set_while_the_broker_is_away_is_sent_on_connect()
    {
        int port = EmbeddedBroker.FreeLoopbackPort(); // nothing listens yet
        var ct = TestContext.Current.CancellationToken;
        await using var pub = Publisher(Options(port));
        await pub.StartAsync(ct);
        await pub.PublishSnapshotAsync("front", "car", new byte[] { 0xFF, 0xD8, 1, 2, 3 }, ct);
        await pub.PublishCountAsync("front", "car", 3, ct);
        await using var broker = await Mosquitto.StartAsync(port: port);
        await WaitConnected(pub);
        await using var late = await TestSubscriber.ConnectAsync(broker.Port, "aqd/testdev/front/#");
        await late.WaitForAsync(s => s.Messages.Count >= 2, "retained snapshot and count");
        Assert.Equal([0xFF, 0xD8, 1, 2, 3], Assert.Single(late.On("aqd/testdev/front/car/snapshot")).Payload);
        Assert.Equal("3", Assert.Single(late.On("aqd/testdev/front/car")).Text);
    }

    [Fact]
    public async Task Last_will_offline_when_the_connection_dies_uncleanly_then_online_again()
    {
        await using var broker = await Mosquitto.StartAsync();
        using var proxy = new TcpProxy(broker.Port);
        await using var sub = await TestSubscriber.ConnectAsync(broker.Port, "aqd/testdev/available");
        await using var pub = Publisher(Options(proxy.Port));
        await pub.StartAsync(TestContext.Current.CancellationToken);
        await sub.WaitForAsync(s => s.On("aqd/testdev/available").Select(m => m.Text).SequenceEqual(["online"]), "online");

        proxy.ResetAll(); // TCP RST: no MQTT DISCONNECT reaches the broker -> it publishes the will
        List<string> Seen() => sub.On("aqd/testdev/available").Select(m => m.Text).ToList();
        await sub.WaitForAsync(_ => Seen().Skip(1).Contains("offline"), "last will offline");
        // Then online again (after the reconnect; also if the will came late: the publisher re-announces).
        await sub.WaitForAsync(_ => Seen()[^1] == "online" && Seen().LastIndexOf("offline") > 0, "online after reconnect");
        TestLog.Write("availability seen: " + string.Join(",", Seen()));
        Assert.True(pub.Connects >= 2);

        // A clean stop says offline itself (no will needed), retained for late subscribers.
        await pub.StopAsync();
        await using var late = await TestSubscriber.ConnectAsync(broker.Port, "aqd/testdev/available");
        await late.WaitForAsync(s => s.Messages.Count >= 1, "retained availability");
        Assert.Equal("offline", late.Messages.Single().Text);
        Assert.True(late.Messages.Single().Retain);
    }

    [Fact]
    public async Task Home_assistant_discovery_is_resent_when_home_assistant_comes_online()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var ha = await TestSubscriber.ConnectAsync(broker.Port, "homeassistant/+/testdev/+/config");
        await using var pub = Publisher(Options(broker.Port, o => { o.DiscoveryCameras = ["front"]; o.DiscoveryLabels = ["person", "car"]; }));
        await pub.StartAsync(TestContext.Current.CancellationToken);
        const int perRound = 2 * 2 + 1;
        await ha.WaitForAsync(s => s.Messages.Count >= perRound, "discovery after connect");
        var topics = ha.Messages.Select(m => m.Topic).Order().ToList();
        Assert.Equal(
        [
            "homeassistant/binary_sensor/testdev/front_car_presence/config",
            "homeassistant/binary_sensor/testdev/front_person_presence/config",
            "homeassistant/sensor/testdev/front_car_count/config",
            "homeassistant/sensor/testdev/front_person_count/config",
            "homeassistant/sensor/testdev/inference_ms/config",
        ], topics);
        foreach (var m in ha.Messages)
        {
            var root = JsonDocument.Parse(m.Text).RootElement;
            Assert.Equal("aqd/testdev/available", root.GetProperty("availability_topic").GetString());
            Assert.StartsWith("aqd_testdev_", root.GetProperty("unique_id").GetString());
        }
        var presence = JsonDocument.Parse(ha.Messages.First(m => m.Topic.Contains("person_presence")).Text).RootElement;
        Assert.Equal("aqd/testdev/front/person", presence.GetProperty("state_topic").GetString());

        await ha.PublishAsync("homeassistant/status", "online");
        await ha.WaitForAsync(s => s.Messages.Count(m => m.Topic.StartsWith("homeassistant/") && m.Topic.EndsWith("/config")) >= 2 * perRound, "discovery re-sent");
        await ha.PublishAsync("homeassistant/status", "offline");
        await pub.StopAsync();
        Assert.Equal(2 * perRound, ha.Messages.Count);
    }

    [Fact]
    public async Task Broker_outage_in_the_middle_of_a_stream_loses_no_event()
    {
        const int total = 300, stopAt = 100, restartAt = 200;
        await using var broker = await Mosquitto.StartAsync(persistent: true);
        // The counting client is an external mosquitto_sub with a persistent session (-c, QoS 1) on
        // a broker with persistence, so it misses nothing across the broker restart either;
        // duplicates (at-least-once) are counted, not hidden.
        using var sub = MosquittoSub.Persistent(broker.Port, 2 * total, "aqd-outage-counter", "aqd/testdev/available", "aqd/testdev/events");
        await using var pub = Publisher(Options(broker.Port));
        await pub.StartAsync(TestContext.Current.CancellationToken);
        await WaitConnected(pub);
        await Wait.UntilAsync(() => !sub.Lines.IsEmpty, Wait.Long, "mosquitto_sub subscribed");

        for (int i = 0; i < total; i++)
        {
            if (i == stopAt)
            {
                await broker.StopAsync();
                TestLog.Write($"broker stopped after {i} events; publisher queue depth {pub.QueueDepth}");
            }
            if (i == restartAt)
            {
                await broker.StartAsync();
                TestLog.Write($"broker restarted after {i} events; publisher queue depth {pub.QueueDepth}");
            }
            pub.PublishEvent(Ev(i));
            if (i % 10 == 0) await Task.Yield();
        }
        Assert.True(await pub.WaitForQueueEmptyAsync(Wait.Long, TestContext.Current.CancellationToken), $"queue not drained: {pub.QueueDepth}");
        const string prefix = "aqd/testdev/events ";
        List<int> Numbers() => sub.Lines.Where(l => l.StartsWith(prefix)).Select(l => EventNumber(l[prefix.Length..])).ToList();
        try { await Wait.UntilAsync(() => Numbers().Distinct().Count() >= total, Wait.Long, $"all {total} events at mosquitto_sub"); }
        catch (TimeoutException)
        {
            var have = Numbers().ToHashSet();
            TestLog.Write($"missing at the subscriber: {string.Join(",", Enumerable.Range(0, total).Where(i => !have.Contains(i)))}");
            throw;
        }
        var got = Numbers();
        var distinct = got.Distinct().ToList();
        string summary = $"OUTAGE: sent {total}, received {got.Count} messages = {distinct.Count} distinct + {got.Count - distinct.Count} duplicates, lost {total - distinct.Count}; publisher reconnects {pub.Connects - 1}, dropped {pub.DroppedEvents}";
        TestLog.Write(summary);
        Console.WriteLine(summary);
        Assert.Equal(Enumerable.Range(0, total), distinct);          // first arrivals in order, none lost
        Assert.Equal(0, pub.DroppedEvents);
        Assert.True(pub.Connects >= 2, "the publisher must have reconnected");
    }

    [Fact]
    public async Task Full_queue_while_the_broker_is_away_drops_the_oldest_and_counts_them()
    {
        int port = EmbeddedBroker.FreeLoopbackPort(); // nothing listens yet
        await using var pub = Publisher(Options(port, o => o.QueueCapacity = 10));
        await pub.StartAsync(TestContext.Current.CancellationToken);
        for (int i = 0; i < 25; i++) pub.PublishEvent(Ev(i));
        Assert.Equal(10, pub.QueueDepth);
        Assert.Equal(15, pub.DroppedEvents);

        await using var broker = await Mosquitto.StartAsync(port: port);
        await using var sub = await TestSubscriber.ConnectAsync(broker.Port, "aqd/testdev/events", "aqd/testdev/stats");
        Assert.True(await pub.WaitForQueueEmptyAsync(Wait.Long, TestContext.Current.CancellationToken));
        await sub.WaitForAsync(s => s.On("aqd/testdev/events").Count >= 10, "the 10 newest events");
        Assert.Equal(Enumerable.Range(15, 10), sub.On("aqd/testdev/events").Select(m => EventNumber(m.Text)));
        await pub.PublishStatsAsync(new StatsRecord(), TestContext.Current.CancellationToken);
        await sub.WaitForAsync(s => s.On("aqd/testdev/stats").Count >= 1, "stats");
        Assert.Equal(15, JsonDocument.Parse(sub.On("aqd/testdev/stats")[0].Text).RootElement.GetProperty("dropped_events").GetInt64());
    }

    [Fact]
    public async Task Queued_events_survive_a_publisher_restart()
    {
        int port = EmbeddedBroker.FreeLoopbackPort();
        await using (var first = Publisher(Options(port), "pub1"))
        {
            await first.StartAsync(TestContext.Current.CancellationToken);
            for (int i = 0; i < 7; i++) first.PublishEvent(Ev(i));
            Assert.Equal(7, first.QueueDepth);
        } // process "restart": the queue stays on disk

        await using var broker = await Mosquitto.StartAsync(port: port);
        await using var sub = await TestSubscriber.ConnectAsync(broker.Port, "aqd/testdev/events");
        await using var second = Publisher(Options(port), "pub2");
        await second.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(await second.WaitForQueueEmptyAsync(Wait.Long, TestContext.Current.CancellationToken));
        await sub.WaitForAsync(s => s.Messages.Count >= 7, "7 events after restart");
        Assert.Equal(Enumerable.Range(0, 7), sub.Messages.Select(m => EventNumber(m.Text)));
    }

    [Fact]
    public async Task Embedded_broker_serves_an_external_mosquitto_sub()
    {
        await using var pub = Publisher(Options(0, o => { o.Host = null; o.Port = 0; }));
        await pub.StartAsync(TestContext.Current.CancellationToken);
        int port = Assert.IsType<int>(pub.EmbeddedBrokerPort);
        await WaitConnected(pub);
        using var sub = new MosquittoSub(port, 1 + 3, pub.Topics.Available, pub.Topics.Events);
        await Wait.UntilAsync(() => !sub.Lines.IsEmpty, Wait.Long, "mosquitto_sub subscribed (retained online)");
        for (int i = 0; i < 3; i++) pub.PublishEvent(Ev(i));
        var lines = await sub.WaitForExitAsync();
        Assert.Equal("aqd/testdev/available online", lines[0]);
        Assert.Equal([0, 1, 2], lines.Skip(1).Select(l => EventNumber(l["aqd/testdev/events ".Length..])));
    }
}
