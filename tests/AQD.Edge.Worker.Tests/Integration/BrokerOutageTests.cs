using System.Text.Json;
using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Gpio;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Messaging;
using AQD.Edge.Messaging.Tests.Infrastructure;
using AQD.Edge.Worker.Pipeline;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Integration;

/// <summary>
/// The pipeline streaming object events into a real mosquitto (free 127.0.0.1 port, persistence on)
/// while the broker is stopped and started again in the middle of the stream: every event the
/// pipeline produced reaches a subscriber (persistent session, QoS 1) — zero lost below the queue's
/// capacity, duplicates (at least once) allowed and counted.
/// </summary>
public sealed class BrokerOutageTests : IDisposable
{
    private readonly string _queue = TestPaths.NewTempDir("outq");

    public void Dispose()
    {
        try { Directory.Delete(_queue, true); } catch (IOException) { }
    }

    [Fact]
    public async Task Broker_stop_and_start_mid_stream_loses_no_event()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await Mosquitto.StartAsync(persistent: true);
        var settings = TestSettings.Create(_queue, "127.0.0.1", broker.Port);
        await using var sub = await TestSubscriber.ConnectAsync(broker.Port, "outage-sub", persistentSession: true, "aqd/wtest/events");
        await using var mqtt = new MqttPublisher(settings.Mqtt, new TestLogger("mqtt"), TimeProvider.System);
        // 1500 frames, 4 ms apart: the moving box gives an update event every other frame (~750 events, ~6 s).
        var source = new TestPatternFrameSource(
            new TestPatternOptions { Width = 160, Height = 120, Boxes = 1, FrameCount = 1500, FrameInterval = TimeSpan.FromMilliseconds(4) },
            pool: FramePool.For(16, 160, 120));
        var pipeline = new DetectionPipeline(settings, new ColorBoxDetector(), null, mqtt, () => source, NullDeviceGpio.Instance, null,
            TimeProvider.System, new TestLogger("pipeline"));
        int sent = 0;
        pipeline.EventQueued += _ => Interlocked.Increment(ref sent);
        await mqtt.StartAsync(ct);
        await Wait.UntilAsync(() => mqtt.IsOnline, Wait.Long, "publisher online");

        var run = pipeline.RunAsync(ct);
        await Wait.UntilAsync(() => sub.Messages.Count >= 100, Wait.Long, "100 events before the outage");
        await broker.StopAsync();
        int sentAtStop = Volatile.Read(ref sent);
        await Wait.UntilAsync(() => Volatile.Read(ref sent) >= sentAtStop + 100, Wait.Long, "100 more events produced during the outage");
        int queuedDuringOutage = mqtt.QueueDepth;
        await broker.StartAsync();
        await run;
        Assert.True(await mqtt.WaitForQueueEmptyAsync(Wait.Long, ct), "queue drained after the outage");
        await Wait.UntilAsync(() => Distinct(sub).Count >= Volatile.Read(ref sent), Wait.Long, $"subscriber received all {sent} events");

        var received = Distinct(sub);
        int duplicates = sub.Messages.Count - received.Count;
        string line = $"outage test: sent {sent}, received {received.Count} distinct ({sub.Messages.Count} messages, {duplicates} duplicates), " +
                      $"{queuedDuringOutage} queued on disk during the outage, {mqtt.Connects} connects, dropped {mqtt.DroppedEvents}";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine(line);
        Assert.True(queuedDuringOutage > 0, "events were produced while the broker was away");
        Assert.Equal(sent, received.Count);
        Assert.Equal(0, mqtt.DroppedEvents);
        Assert.True(mqtt.Connects >= 2);
        // Every object that started also ended (the pipeline's stop ends open tracks), and was delivered.
        var types = received.Select(j => JsonDocument.Parse(j).RootElement.GetProperty("type").GetString()).ToList();
        Assert.Equal(types.Count(t => t == EventTypes.New), types.Count(t => t == EventTypes.End));
    }

    private static HashSet<string> Distinct(TestSubscriber sub) => [.. sub.Messages.Select(m => m.Text)];
}
