using System.Text.Json;
using AQD.Edge.Messaging;
using AQD.Edge.Messaging.Tests.Infrastructure;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Integration;

/// <summary>
/// <c>aqd-edge run</c> as a child process with the bundled model over the bundled photos (looping,
/// 4 fps) against a real mosquitto on a free 127.0.0.1 port: events (also at an external
/// mosquitto_sub), stats, retained snapshot, Home Assistant discovery, Last Will when the process
/// is killed, and the embedded broker when no broker is configured.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class WorkerProcessTests : IDisposable
{
    private readonly string _queue = TestPaths.NewTempDir("procq");

    public void Dispose()
    {
        try { Directory.Delete(_queue, true); } catch (IOException) { }
    }

    private string[] RunArgs(int port, string? host = "127.0.0.1") =>
    [
        "run", $"--Mqtt:Port={port}", "--Mqtt:DeviceId=proc", $"--Mqtt:QueuePath={_queue}", "--Mqtt:StatsInterval=00:00:01",
        "--Mqtt:KeepAlive=00:00:02", "--Camera:Name=door", "--Camera:Kind=ImageFolder", $"--Camera:Input={TestPaths.Images}",
        "--Camera:Loop=true", "--Camera:Fps=4", "--Gpio:Enabled=false", "--Pipeline:SnapshotInterval=00:00:00", "--Detector:Threads=1",
        .. host is null ? Array.Empty<string>() : [$"--Mqtt:Host={host}"],
    ];

    [Fact]
    public async Task Run_publishes_events_stats_snapshots_and_discovery_to_mosquitto()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var sub = await TestSubscriber.ConnectAsync(broker.Port, "aqd/proc/#", "homeassistant/#");
        using var external = new MosquittoSub(broker.Port, 3, "aqd/proc/events");
        await using var worker = WorkerProcess.Start(RunArgs(broker.Port));

        await sub.WaitForAsync(s => s.On("aqd/proc/available").Any(m => m.Text == "online"), "worker online");
        await sub.WaitForAsync(s => s.On("aqd/proc/events").Count >= 3, "three object events");
        await sub.WaitForAsync(s => s.Messages.Any(m => m.Topic.StartsWith("aqd/proc/door/", StringComparison.Ordinal) && m.Topic.EndsWith("/snapshot", StringComparison.Ordinal)), "a snapshot");
        await sub.WaitForAsync(s => s.On("aqd/proc/stats").Any(m => Json(m).GetProperty("process_fps").GetDouble() > 0), "stats with a frame rate");

        // Events: Frigate-style JSON from the real detector on real photos.
        var first = Json(sub.On("aqd/proc/events")[0]);
        Assert.Equal(EventTypes.New, first.GetProperty("type").GetString());
        var after = first.GetProperty("after");
        Assert.Equal("door", after.GetProperty("camera").GetString());
        Assert.Contains(after.GetProperty("label").GetString(), new[] { "person", "car", "dog", "cat", "bicycle" }); // the sample's label filter
        var box = after.GetProperty("box").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        Assert.True(box[0] < box[2] && box[1] < box[3] && box[0] >= 0 && box[1] >= 0, $"box {string.Join(",", box)}");
        double score = after.GetProperty("score").GetDouble();
        Assert.InRange(score, 0.01, 1.0);

        // The external client got the same events.
        var lines = await external.WaitForExitAsync();
        Assert.All(lines, l => Assert.StartsWith("aqd/proc/events {\"type\":", l));

        // Snapshot: a JPEG, retained; count topic for its label.
        var snapshot = sub.Messages.First(m => m.Topic.EndsWith("/snapshot", StringComparison.Ordinal));
        Assert.Equal([0xFF, 0xD8], snapshot.Payload.Take(2));
        await using (var late = await TestSubscriber.ConnectAsync(broker.Port, snapshot.Topic))
            await late.WaitForAsync(s => s.Messages.Any(m => m.Retain && m.Payload.Length == snapshot.Payload.Length), "retained snapshot for a late subscriber");

        // Stats: inference percentiles and process fields.
        var stats = Json(sub.On("aqd/proc/stats").Last());
        var inference = stats.GetProperty("inference_ms");
        Assert.True(inference.GetProperty("p50").GetDouble() > 0);
        Assert.True(inference.GetProperty("p99").GetDouble() >= inference.GetProperty("p95").GetDouble());
        Assert.True(inference.GetProperty("p95").GetDouble() >= inference.GetProperty("p50").GetDouble());
        Assert.True(stats.GetProperty("memory_bytes").GetInt64() > 0);
        Assert.True(stats.TryGetProperty("dropped_frames", out _));

        // Home Assistant discovery: count + presence per sample label for camera "door", and the inference sensor.
        var discovery = sub.Messages.Where(m => m.Topic.StartsWith("homeassistant/", StringComparison.Ordinal)).ToList();
        Assert.Contains(discovery, m => m.Topic == "homeassistant/sensor/proc/door_person_count/config" && Json(m).GetProperty("state_topic").GetString() == "aqd/proc/door/person");
        Assert.Contains(discovery, m => m.Topic == "homeassistant/binary_sensor/proc/door_person_presence/config");
        Assert.Contains(discovery, m => m.Topic == "homeassistant/sensor/proc/inference_ms/config");
        int before = discovery.Count;
        await sub.PublishAsync("homeassistant/status", "online");
        await sub.WaitForAsync(s => s.Messages.Count(m => m.Topic.StartsWith("homeassistant/", StringComparison.Ordinal) && m.Topic.EndsWith("/config", StringComparison.Ordinal)) >= 2 * before, "discovery re-sent");

        // SIGTERM: clean stop, "offline" published by the worker itself, exit code 0.
        worker.Terminate();
        Assert.Equal(0, await worker.WaitForExitAsync(Wait.Long));
        await sub.WaitForAsync(s => s.On("aqd/proc/available").LastOrDefault()?.Text == "offline", "offline after SIGTERM");
    }

    [Fact]
    public async Task Killing_the_worker_makes_the_broker_publish_its_Last_Will()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var sub = await TestSubscriber.ConnectAsync(broker.Port, "aqd/proc/available");
        await using var worker = WorkerProcess.Start(RunArgs(broker.Port));
        await sub.WaitForAsync(s => s.Messages.Any(m => m.Text == "online"), "worker online");

        worker.Kill(); // SIGKILL: no clean disconnect; the broker sees the TCP connection close
        await sub.WaitForAsync(s => s.Messages.LastOrDefault()?.Text == "offline", "Last Will 'offline'");
        await using var late = await TestSubscriber.ConnectAsync(broker.Port, "aqd/proc/available");
        await late.WaitForAsync(s => s.Messages.Any(m => m.Retain && m.Text == "offline"), "retained offline for a late subscriber");
    }

    [Fact]
    public async Task Run_without_a_broker_host_starts_the_embedded_broker()
    {
        int port = EmbeddedBroker.FreeLoopbackPort();
        await using var worker = WorkerProcess.Start(RunArgs(port, host: null));
        await Wait.UntilAsync(() => worker.HasExited || worker.Errors.Concat(worker.Output).Any(l => l.Contains($"127.0.0.1:{port}", StringComparison.Ordinal)), Wait.Long, "embedded broker started");
        Assert.False(worker.HasExited);
        await using var sub = await TestSubscriber.ConnectAsync(port, "aqd/proc/#");
        await sub.WaitForAsync(s => s.On("aqd/proc/available").Any(m => m.Text == "online") && s.On("aqd/proc/events").Count > 0, "online and events from the embedded broker");
    }

    private static JsonElement Json(Received m) => JsonDocument.Parse(m.Payload).RootElement;
}

/// <summary>Process tests run one at a time (each runs the detector on the machine's 2 cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "aqd-edge processes";
}
