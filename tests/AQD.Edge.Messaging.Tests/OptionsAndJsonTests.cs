using System.Text.Json;
using Microsoft.Extensions.Options;

namespace AQD.Edge.Messaging.Tests;

public class OptionsAndJsonTests
{
    [Fact]
    public void Defaults_are_valid_and_derive_prefix_and_client_id()
    {
        var o = new MqttOptions { DeviceId = "pi4" };
        o.ValidateOrThrow();
        Assert.Equal("aqd/pi4", o.EffectivePrefix);
        Assert.Equal("aqd-pi4", o.EffectiveClientId);
        Assert.True(o.UsesEmbeddedBroker);
        Assert.Equal("homeassistant", o.DiscoveryPrefix);
    }

    [Fact]
    public void Bad_settings_give_one_message_listing_every_failure()
    {
        var o = new MqttOptions
        {
            DeviceId = "bad id!", Host = "broker", Port = 0, EventQos = 3, QueueCapacity = 0,
            ReconnectMinDelay = TimeSpan.FromSeconds(10), ReconnectMaxDelay = TimeSpan.FromSeconds(1),
            TopicPrefix = "aqd/#/", Password = "x", KeepAlive = TimeSpan.Zero,
        };
        var e = Assert.Throws<OptionsValidationException>(o.ValidateOrThrow);
        foreach (var needle in new[] { "DeviceId", "EventQos", "QueueCapacity", "ReconnectMinDelay must not exceed", "Port 0", "TopicPrefix", "Password", "KeepAlive" })
            Assert.Contains(needle, e.Message);
    }

    [Fact]
    public void Backoff_doubles_from_min_to_max()
    {
        var min = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(1);
        Assert.Equal([100, 200, 400, 800, 1000, 1000], Enumerable.Range(0, 6).Select(a => (int)ReconnectBackoff.Delay(a, min, max).TotalMilliseconds));
        Assert.Equal(max, ReconnectBackoff.Delay(int.MaxValue, min, max));
    }

    [Fact]
    public void Topics_follow_the_frigate_layout()
    {
        var t = new MqttTopics("aqd/pi5", "homeassistant");
        Assert.Equal("aqd/pi5/available", t.Available);
        Assert.Equal("aqd/pi5/events", t.Events);
        Assert.Equal("aqd/pi5/front/traffic_light", t.Count("front", "traffic light"));
        Assert.Equal("aqd/pi5/front/person/snapshot", t.Snapshot("front", "person"));
        Assert.Equal("homeassistant/status", t.HomeAssistantStatus);
        Assert.Equal("homeassistant/sensor/pi5/inference_ms/config", t.DiscoveryConfig("sensor", "pi5", "inference_ms"));
    }

    [Fact]
    public void Event_json_is_snake_case_with_pixel_box_and_null_end_time()
    {
        var ev = new ObjectEvent
        {
            Type = EventTypes.New,
            After = new EventObject { Id = "1-1", Camera = "front", Label = "person", Score = 0.75f, TopScore = 0.75f, Box = [1, 2, 30, 40], FrameTime = 1.5, StartTime = 1.5, Hits = 1 },
        };
        var json = JsonSerializer.Serialize(ev, MessagingJsonContext.Default.ObjectEvent);
        Assert.Equal("""{"type":"new","before":null,"after":{"id":"1-1","camera":"front","label":"person","score":0.75,"top_score":0.75,"box":[1,2,30,40],"frame_time":1.5,"start_time":1.5,"end_time":null,"hits":1}}""", json);
        var stats = JsonSerializer.Serialize(new StatsRecord { InferenceMs = { Avg = 12.5, P99 = 20 }, CaptureFps = 30 }, MessagingJsonContext.Default.StatsRecord);
        Assert.Contains("\"inference_ms\":{\"avg\":12.5,\"p50\":0,\"p95\":0,\"p99\":20}", stats);
        Assert.Contains("\"capture_fps\":30", stats);
        Assert.DoesNotContain("cpu_temperature", stats); // null: no sensor
    }
}
