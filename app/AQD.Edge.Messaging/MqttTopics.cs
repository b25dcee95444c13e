namespace AQD.Edge.Messaging;

/// <summary>
/// Topic layout in the spirit of Frigate (prefix default <c>aqd/&lt;device&gt;</c>):
/// <list type="bullet">
/// <item><c>&lt;prefix&gt;/available</c>: <c>online</c> / <c>offline</c>, retained; <c>offline</c> is the Last Will.</item>
/// <item><c>&lt;prefix&gt;/events</c>: object events new / update / end (JSON, QoS 1, through the on-disk queue).</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/detections</c>: optional per-frame detections (JSON, QoS 0).</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/&lt;label&gt;</c>: current count (text integer, retained).</item>
/// <item><c>&lt;prefix&gt;/&lt;camera&gt;/&lt;label&gt;/snapshot</c>: JPEG bytes, retained.</item>
/// <item><c>&lt;prefix&gt;/stats</c>: JSON every stats interval.</item>
/// <item><c>&lt;discovery&gt;/&lt;component&gt;/&lt;node&gt;/&lt;object&gt;/config</c>: Home Assistant discovery, re-sent on
///   <c>&lt;discovery&gt;/status</c> = <c>online</c>.</item>
/// </list>
/// </summary>
public sealed class MqttTopics(string prefix, string? discoveryPrefix)
{
    public const string Online = "online";
    public const string Offline = "offline";

    public string Prefix { get; } = prefix;
    public string? DiscoveryPrefix { get; } = string.IsNullOrEmpty(discoveryPrefix) ? null : discoveryPrefix;

    public string Available => Prefix + "/available";
    public string Events => Prefix + "/events";
    public string Stats => Prefix + "/stats";
    public string Detections(string camera) => $"{Prefix}/{Segment(camera)}/detections";
    public string Count(string camera, string label) => $"{Prefix}/{Segment(camera)}/{Segment(label)}";
    public string Snapshot(string camera, string label) => $"{Prefix}/{Segment(camera)}/{Segment(label)}/snapshot";
    public string? HomeAssistantStatus => DiscoveryPrefix is null ? null : DiscoveryPrefix + "/status";
    public string DiscoveryConfig(string component, string nodeId, string objectId) =>
        $"{DiscoveryPrefix}/{component}/{nodeId}/{objectId}/config";

    public static MqttTopics From(MqttOptions o) => new(o.EffectivePrefix, o.DiscoveryPrefix);

    /// <summary>A name as one topic level: characters other than A-Z a-z 0-9 _ - become '_'
    /// ("traffic light" -> "traffic_light").</summary>
    public static string Segment(string name)
    {
        if (IsValidSegment(name)) return name;
        var chars = name.Length == 0 ? ['_'] : name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '_' or '-')) chars[i] = '_';
        return new string(chars);
    }

    /// <summary>A camera or label usable as one topic level (and in HA object ids).</summary>
    public static bool IsValidSegment(string s) =>
        s.Length is > 0 and <= 64 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
