using AQD.Edge.Hardware.Boards;
using AQD.Edge.Messaging;
using AQD.Edge.Worker.Configuration;

namespace AQD.Edge.Worker.Tests.Support;

/// <summary>Worker settings for in-process tests: test-pattern camera, no GPIO, short MQTT timings.</summary>
internal static class TestSettings
{
    public static WorkerSettings Create(string queueDir, string? host, int port, Action<WorkerSettings>? tweak = null)
    {
        var s = new WorkerSettings
        {
            Detector = new DetectorSettings { Model = TestPaths.Model },
            Camera = new CameraSettings { Name = "cam", Kind = CameraKind.TestPattern, Width = 160, Height = 120, ReconnectMinDelay = TimeSpan.FromMilliseconds(10), ReconnectMaxDelay = TimeSpan.FromMilliseconds(50) },
            Pipeline = new PipelineSettings { Snapshots = false },
            Gpio = new GpioSettings { Enabled = false },
            Mqtt = new MqttOptions
            {
                DeviceId = "wtest", Host = host, Port = port, QueuePath = queueDir, QueueCapacity = 100_000,
                ReconnectMinDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
                KeepAlive = TimeSpan.FromSeconds(5), StatsInterval = TimeSpan.FromHours(1),
            },
        };
        tweak?.Invoke(s);
        return s;
    }
}
