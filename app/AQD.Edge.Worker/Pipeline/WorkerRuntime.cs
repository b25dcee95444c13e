using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Gpio;
using AQD.Edge.Hardware.Thermal;
using AQD.Edge.Messaging;
using AQD.Edge.Worker.Configuration;
using AQD.Edge.Worker.Inference;
using AQD.Edge.Worker.Logging;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Worker.Pipeline;

/// <summary>
/// Everything the <c>run</c> and <c>demo</c> verbs start, wired from the settings: board profile,
/// detector, GPIO (optional), thermal monitor, MQTT publisher (embedded broker when no host is
/// configured), camera and pipeline. Dispose waits briefly for queued events, then stops MQTT
/// (<c>offline</c>, clean disconnect) and releases the hardware.
/// </summary>
public sealed class WorkerRuntime : IAsyncDisposable
{
    private readonly ILogger _log;

    private WorkerRuntime(WorkerSettings settings, BoardProfile board, IFrameDetector detector, IDeviceGpio gpio, MqttPublisher mqtt,
        CameraFactory cameras, DetectionPipeline pipeline, ILogger log)
    {
        Settings = settings; Board = board; Detector = detector; Gpio = gpio; Mqtt = mqtt; Cameras = cameras; Pipeline = pipeline; _log = log;
    }

    public WorkerSettings Settings { get; }
    public BoardProfile Board { get; }
    public IFrameDetector Detector { get; }
    public IDeviceGpio Gpio { get; }
    public MqttPublisher Mqtt { get; }
    public CameraFactory Cameras { get; }
    public DetectionPipeline Pipeline { get; }

    /// <summary>Opens everything and starts MQTT (it connects in the background).</summary>
    /// <param name="detector">Null: the configured model (the product path); tests pass their own.</param>
    public static async Task<WorkerRuntime> StartAsync(WorkerSettings settings, ILoggerFactory loggers, TimeProvider time,
        IFrameDetector? detector = null, ISnapshotRenderer? renderer = null, CancellationToken ct = default)
    {
        var log = loggers.CreateLogger("aqd-edge");
        var board = BoardDetector.Detect("/", settings.Pipeline.Board, log);
        detector ??= DetectorFactory.Open(settings.Detector, board.Cores);
        renderer ??= DetectorFactory.SnapshotRenderer();
        IDeviceGpio gpio = NullDeviceGpio.Instance;
        MqttPublisher? mqtt = null;
        try
        {
            Log.ModelLoaded(log, settings.Detector.Model, detector.Name, detector.Labels.Count);
            var pins = Pins(settings.Gpio, board.Pins);
            if (settings.Gpio.Enabled) gpio = DeviceGpio.Create(pins, time, log);
            Log.Board(log, board.Name, gpio.IsAvailable ? $"LED {pins.StatusLed?.ToString() ?? "-"}, detection {pins.Detection?.ToString() ?? "-"}, trigger {pins.Trigger?.ToString() ?? "-"}" : "not available");
            var thermal = new ThermalMonitor(board, "/", logger: log);

            var m = settings.Mqtt;
            if (m.DiscoveryCameras.Count == 0) m.DiscoveryCameras = [settings.Camera.Name];
            if (m.DiscoveryLabels.Count == 0)
                m.DiscoveryLabels = settings.Pipeline.Labels.Count > 0 ? [.. settings.Pipeline.Labels.Select(MqttTopics.Segment)] : [MqttTopics.Segment(settings.Gpio.DetectionLabel)];
            mqtt = new MqttPublisher(m, loggers.CreateLogger("aqd-edge.mqtt"), time);

            bool keepFrames = settings.Pipeline.Snapshots && renderer is not null;
            var cameras = new CameraFactory(settings.Camera, board,
                FrameStages.PoolFramesFor(settings.Pipeline.CaptureQueue, settings.Pipeline.ResultQueue, keepFrames), time, loggers);
            var pipeline = new DetectionPipeline(settings, detector, renderer, mqtt, cameras.Create, gpio, thermal, time, log);
            mqtt.StatsSource = pipeline.BuildStats;
            await mqtt.StartAsync(ct).ConfigureAwait(false);
            return new WorkerRuntime(settings, board, detector, gpio, mqtt, cameras, pipeline, log);
        }
        catch
        {
            if (mqtt is not null) await mqtt.DisposeAsync().ConfigureAwait(false);
            gpio.Dispose();
            detector.Dispose();
            throw;
        }
    }

    /// <summary>The board's pins overridden by the settings (null: board default, -1: unused).</summary>
    public static GpioPins Pins(GpioSettings s, GpioPins board)
    {
        static int? Pick(int? setting, int? fallback) => setting switch { null => fallback, < 0 => null, _ => setting };
        return new GpioPins(Pick(s.StatusLed, board.StatusLed), Pick(s.Detection, board.Detection), Pick(s.Trigger, board.Trigger));
    }

    /// <summary>Runs the pipeline until the input ends or <paramref name="ct"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken ct) => Pipeline.RunAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (Mqtt.IsOnline) await Mqtt.WaitForQueueEmptyAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await Mqtt.DisposeAsync().ConfigureAwait(false);
        Gpio.Dispose();
        Detector.Dispose();
    }
}
