using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace AQD.Edge.Messaging;

/// <summary>
/// MQTT settings of the edge worker (section "Mqtt" of appsettings.json). Validated at start by the
/// source-generated <see cref="MqttOptionsValidator"/> plus <see cref="MqttOptions.Validate"/> for
/// the cross-field rules; a bad value is one clear message.
/// </summary>
public sealed class MqttOptions
{
    public const string SectionName = "Mqtt";

    /// <summary>Device name: default topic prefix <c>aqd/&lt;DeviceId&gt;</c>, HA unique ids and client id.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,64}$", ErrorMessage = "DeviceId: 1-64 of A-Z a-z 0-9 _ -")]
    public string DeviceId { get; set; } = "edge";

    /// <summary>Broker host name; null or empty = start the embedded MQTTnet broker on 127.0.0.1.</summary>
    public string? Host { get; set; }

    /// <summary>Broker port (1883, 8883 for TLS). With the embedded broker: its port, 0 = a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>MQTT client id; default <c>aqd-&lt;DeviceId&gt;</c>.</summary>
    public string? ClientId { get; set; }

    public bool UseTls { get; set; }

    /// <summary>PEM/DER CA certificate the broker's certificate must chain to (TLS only).</summary>
    public string? CaFile { get; set; }

    /// <summary>Accept any broker certificate (tests only).</summary>
    public bool AllowUntrustedCertificates { get; set; }

    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Topic prefix; default <c>aqd/&lt;DeviceId&gt;</c>. No wildcards, no trailing slash.</summary>
    public string? TopicPrefix { get; set; }

    /// <summary>QoS of object events (0, 1 or 2); 1 is the default and what the delivery guarantee needs.</summary>
    [Range(0, 2)]
    public int EventQos { get; set; } = 1;

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of one connect attempt and of one publish acknowledgement.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Folder of the on-disk event queue (created if missing).</summary>
    [Required]
    public string QueuePath { get; set; } = "queue";

    /// <summary>Events the queue holds at most; beyond it the oldest are dropped and counted.</summary>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>fsync every appended record and head update (power-loss safe, more flash wear).
    /// Off: every record is written to the OS at once (survives a process crash or kill).</summary>
    public bool QueueFsync { get; set; }

    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Home Assistant discovery prefix; empty disables discovery.</summary>
    public string? DiscoveryPrefix { get; set; } = "homeassistant";

    /// <summary>Cameras and labels that get Home Assistant entities (count sensor, presence binary sensor).</summary>
    public List<string> DiscoveryCameras { get; set; } = [];
    public List<string> DiscoveryLabels { get; set; } = [];

    /// <summary>Publish every frame's detections on <c>&lt;prefix&gt;/&lt;camera&gt;/detections</c>.</summary>
    public bool PublishFrameDetections { get; set; }

    public bool UsesEmbeddedBroker => string.IsNullOrWhiteSpace(Host);
    public string EffectiveClientId => string.IsNullOrWhiteSpace(ClientId) ? "aqd-" + DeviceId : ClientId!;
    public string EffectivePrefix => string.IsNullOrWhiteSpace(TopicPrefix) ? "aqd/" + DeviceId : TopicPrefix!;
    public MqttQualityOfServiceLevel EventQosLevel => (MqttQualityOfServiceLevel)EventQos;

    /// <summary>All rules (attributes and cross-field); throws <see cref="OptionsValidationException"/>
    /// with every failure in one message.</summary>
    public void ValidateOrThrow()
    {
        var result = new MqttOptionsFullValidator().Validate(null, this);
        if (result.Failed) throw new OptionsValidationException(nameof(MqttOptions), typeof(MqttOptions), result.Failures);
    }

    internal IEnumerable<string> CrossFieldFailures()
    {
        // TimeSpan ranges are checked here: RangeAttribute(Type, ...) is not trim-safe.
        foreach (var (name, value, min, max) in new (string, TimeSpan, TimeSpan, TimeSpan)[]
        {
            (nameof(KeepAlive), KeepAlive, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            (nameof(ReconnectMinDelay), ReconnectMinDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
            (nameof(ReconnectMaxDelay), ReconnectMaxDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
            (nameof(OperationTimeout), OperationTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            (nameof(StatsInterval), StatsInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromDays(1)),
        })
            if (value < min || value > max) yield return $"{name} = {value} is outside [{min}, {max}].";
        if (ReconnectMinDelay > ReconnectMaxDelay) yield return "ReconnectMinDelay must not exceed ReconnectMaxDelay.";
        if (!UsesEmbeddedBroker && Port == 0) yield return "Port 0 is only allowed for the embedded broker (no Host).";
        if (UseTls && UsesEmbeddedBroker) yield return "UseTls needs an external broker (Host).";
        if (CaFile is { Length: > 0 } && !File.Exists(CaFile)) yield return $"CaFile '{CaFile}' does not exist.";
        if (Password is { Length: > 0 } && string.IsNullOrEmpty(Username)) yield return "Password is set without Username.";
        var prefix = EffectivePrefix;
        if (prefix.EndsWith('/') || prefix.StartsWith('/') || prefix.IndexOfAny(['+', '#', '\0']) >= 0)
            yield return $"TopicPrefix '{prefix}' must not start or end with '/' or contain + # or NUL.";
        if (DiscoveryPrefix is { Length: > 0 } d && (d.EndsWith('/') || d.IndexOfAny(['+', '#']) >= 0))
            yield return $"DiscoveryPrefix '{d}' must not end with '/' or contain + #.";
        foreach (var name in DiscoveryCameras.Concat(DiscoveryLabels))
            if (!MqttTopics.IsValidSegment(name)) yield return $"Camera/label '{name}' is not a valid topic segment.";
    }
}

/// <summary>Source-generated (AOT-safe) validator of the DataAnnotations attributes of
/// <see cref="MqttOptions"/>, plus the cross-field rules.</summary>
[OptionsValidator]
public sealed partial class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
}

/// <summary>Runs <see cref="MqttOptionsValidator"/> and the cross-field rules; register this one
/// with the options system (ValidateOnStart).</summary>
public sealed class MqttOptionsFullValidator : IValidateOptions<MqttOptions>
{
    private readonly MqttOptionsValidator _attributes = new();

    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        var first = _attributes.Validate(name, options);
        var failures = new List<string>(first.Failed ? first.Failures : []);
        failures.AddRange(options.CrossFieldFailures());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
