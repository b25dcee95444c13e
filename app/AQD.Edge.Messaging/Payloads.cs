using System.Text.Json.Serialization;

namespace AQD.Edge.Messaging;

/// <summary>A box in integer pixels of the source frame: [X1, X2) x [Y1, Y2).</summary>
public readonly record struct PixelBox(int X1, int Y1, int X2, int Y2)
{
    public long Area => (long)Math.Max(0, X2 - X1) * Math.Max(0, Y2 - Y1);

    /// <summary>Intersection over union in parts per thousand, integer arithmetic only (floor).</summary>
    public static int IoUPermille(in PixelBox a, in PixelBox b)
    {
        long iw = Math.Min(a.X2, b.X2) - (long)Math.Max(a.X1, b.X1);
        long ih = Math.Min(a.Y2, b.Y2) - (long)Math.Max(a.Y1, b.Y1);
        if (iw <= 0 || ih <= 0) return 0;
        long inter = iw * ih;
        long union = a.Area + b.Area - inter;
        return union <= 0 ? 0 : (int)(inter * 1000 / union);
    }

    public int[] ToArray() => [X1, Y1, X2, Y2];
}

/// <summary>One detection of one frame as the detector reports it (score as the detector gives it).</summary>
public readonly record struct Detection(string Label, float Score, PixelBox Box);

/// <summary>The object inside an event message (Frigate's before/after object).</summary>
public sealed class EventObject
{
    public required string Id { get; init; }
    public required string Camera { get; init; }
    public required string Label { get; init; }
    public float Score { get; init; }
    public float TopScore { get; init; }
    /// <summary>[x1, y1, x2, y2] in pixels.</summary>
    public required int[] Box { get; init; }
    /// <summary>Unix seconds of the frame this state comes from.</summary>
    public double FrameTime { get; init; }
    public double StartTime { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? EndTime { get; init; }
    /// <summary>Frames the object was seen in.</summary>
    public int Hits { get; init; }
}

public static class EventTypes
{
    public const string New = "new";
    public const string Update = "update";
    public const string End = "end";
}

/// <summary>Message on <c>&lt;prefix&gt;/events</c>: <c>{"type":"new|update|end","before":{..}|null,"after":{..}}</c>.</summary>
public sealed class ObjectEvent
{
    public required string Type { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public EventObject? Before { get; init; }
    public required EventObject After { get; init; }
}

/// <summary>Message on <c>&lt;prefix&gt;/&lt;camera&gt;/detections</c>.</summary>
public sealed class FrameDetections
{
    public required string Camera { get; init; }
    public double FrameTime { get; init; }
    public required List<DetectionJson> Detections { get; init; }
}

public sealed class DetectionJson
{
    public required string Label { get; init; }
    public float Score { get; init; }
    public required int[] Box { get; init; }
}

/// <summary>Inference latency summary in milliseconds.</summary>
public sealed class LatencyStats
{
    public double Avg { get; set; }
    public double P50 { get; set; }
    public double P95 { get; set; }
    public double P99 { get; set; }
}

/// <summary>
/// Message on <c>&lt;prefix&gt;/stats</c>. The pipeline fills the record; the publisher fills the
/// delivery fields (<see cref="EventQueueDepth"/>, <see cref="DroppedEvents"/>,
/// <see cref="CorruptQueueRecords"/>) and <see cref="MemoryBytes"/> / <see cref="UptimeSeconds"/> when zero.
/// </summary>
public sealed class StatsRecord
{
    public LatencyStats InferenceMs { get; set; } = new();
    public double CaptureFps { get; set; }
    public double ProcessFps { get; set; }
    public double SkippedFps { get; set; }
    public double DetectionFps { get; set; }
    public long DroppedFrames { get; set; }
    /// <summary>Frames waiting in the pipeline's channels.</summary>
    public int FrameQueueDepth { get; set; }
    /// <summary>Events waiting in the on-disk queue for the broker.</summary>
    public int EventQueueDepth { get; set; }
    /// <summary>Events dropped because the on-disk queue was full (oldest first).</summary>
    public long DroppedEvents { get; set; }
    /// <summary>Queue records found corrupt on disk and skipped.</summary>
    public long CorruptQueueRecords { get; set; }
    /// <summary>Degrees Celsius, null where the board has no sensor.</summary>
    public double? CpuTemperature { get; set; }
    public bool? Throttled { get; set; }
    public long MemoryBytes { get; set; }
    public long UptimeSeconds { get; set; }
}

/// <summary>Home Assistant MQTT discovery config (sensor / binary_sensor).</summary>
public sealed class DiscoveryConfig
{
    public required string Name { get; init; }
    public required string UniqueId { get; init; }
    public required string StateTopic { get; init; }
    public required string AvailabilityTopic { get; init; }
    public string PayloadAvailable { get; init; } = MqttTopics.Online;
    public string PayloadNotAvailable { get; init; } = MqttTopics.Offline;
    public string? ValueTemplate { get; init; }
    public string? UnitOfMeasurement { get; init; }
    public string? StateClass { get; init; }
    public string? DeviceClass { get; init; }
    public string? PayloadOn { get; init; }
    public string? PayloadOff { get; init; }
    public string? Icon { get; init; }
    public required DiscoveryDevice Device { get; init; }
}

public sealed class DiscoveryDevice
{
    public required string[] Identifiers { get; init; }
    public required string Name { get; init; }
    public string Manufacturer { get; init; } = "AQD.Edge";
    public string Model { get; init; } = "AQD.Edge integer detector";
}

/// <summary>System.Text.Json source generation (AOT-safe), snake_case like Frigate and Home Assistant.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ObjectEvent))]
[JsonSerializable(typeof(FrameDetections))]
[JsonSerializable(typeof(StatsRecord))]
[JsonSerializable(typeof(DiscoveryConfig))]
public sealed partial class MessagingJsonContext : JsonSerializerContext
{
}
