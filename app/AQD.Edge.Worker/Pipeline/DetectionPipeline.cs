using System.Runtime.InteropServices;
using AQD.Edge.Hardware.Gpio;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Hardware.Thermal;
using AQD.Edge.Messaging;
using AQD.Edge.Worker.Configuration;
using AQD.Edge.Worker.Logging;
using Microsoft.Extensions.Logging;
using MqttDetection = AQD.Edge.Messaging.Detection;

namespace AQD.Edge.Worker.Pipeline;

/// <summary>
/// capture → detect → publish, three loops joined by the bounded channels of <see cref="FrameStages"/>.
/// <list type="bullet">
/// <item>Capture: reads the source; a source that throws (camera gone, process failed to start) is
///   disposed and re-created with exponential backoff on the injected <see cref="TimeProvider"/>
///   (no restart of the process); the end of a finite input ends the pipeline.</item>
/// <item>Detect: one frame at a time; a failure is logged and counted, the loop goes on.</item>
/// <item>Publish: per-camera <see cref="ObjectTracker"/> → object events (durable queue), counts,
///   snapshots, optional per-frame detections, detection GPIO pin; a failure is logged, the loop goes on.</item>
/// </list>
/// Stopping (cancellation or end of input) drains what is queued, ends every open track (end
/// events) and returns.
/// </summary>
public sealed class DetectionPipeline
{
    private readonly WorkerSettings _settings;
    private readonly IFrameDetector _detector;
    private readonly ISnapshotRenderer? _renderer;
    private readonly MqttPublisher _mqtt;
    private readonly Func<IFrameSource> _sources;
    private readonly IDeviceGpio _gpio;
    private readonly ThermalMonitor? _thermal;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly FrameStages _stages;
    private readonly ObjectTracker _tracker;
    private readonly HashSet<string>? _labels;
    private readonly Dictionary<string, long> _lastSnapshot = new(StringComparer.Ordinal);
    private volatile IFrameSource? _source;
    private long _skippedBefore;

    public DetectionPipeline(WorkerSettings settings, IFrameDetector detector, ISnapshotRenderer? renderer, MqttPublisher mqtt,
        Func<IFrameSource> sources, IDeviceGpio gpio, ThermalMonitor? thermal, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _detector = detector;
        _renderer = settings.Pipeline.Snapshots ? renderer : null;
        _mqtt = mqtt;
        _sources = sources;
        _gpio = gpio;
        _thermal = thermal;
        _time = time;
        _log = logger;
        Stats = new PipelineStats(time);
        _stages = new FrameStages(detector, Stats, settings.Pipeline.CaptureQueue, settings.Pipeline.ResultQueue, _renderer is not null);
        _tracker = new ObjectTracker(settings.Camera.Name, time: time);
        _labels = settings.Pipeline.Labels.Count > 0 ? new HashSet<string>(settings.Pipeline.Labels, StringComparer.Ordinal) : null;
    }

    public PipelineStats Stats { get; }
    public FrameStages Stages => _stages;

    /// <summary>Raised (on the publish loop) for every object event after it was queued for MQTT.</summary>
    public event Action<ObjectEvent>? EventQueued;

    /// <summary>Runs until the input ends or <paramref name="ct"/> is cancelled; then drains and ends tracks.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        _gpio.SetStatus(LedStatus.Heartbeat);
        EventHandler onTrigger = (_, _) => Log.Trigger(_log);
        _gpio.Triggered += onTrigger;
        try
        {
            var capture = Task.Run(() => CaptureLoopAsync(ct), CancellationToken.None);
            var detect = Task.Run(DetectLoopAsync, CancellationToken.None);
            var publish = Task.Run(PublishLoopAsync, CancellationToken.None);
            await Task.WhenAll(capture, detect, publish).ConfigureAwait(false);
        }
        finally
        {
            _gpio.Triggered -= onTrigger;
            _stages.Drain();
            Publish(_tracker.EndAll(_time.GetUtcNow()));
            await _mqtt.PublishCountsAsync(_settings.Camera.Name, _tracker.CountsByLabel(), CancellationToken.None).ConfigureAwait(false);
            _gpio.SetDetection(false);
            _gpio.SetStatus(LedStatus.Off);
            Log.PipelineStopped(_log, Stats.Captured, Stats.Processed, Stats.DroppedFrames + Stats.DroppedResults);
        }
    }

    private async Task CaptureLoopAsync(CancellationToken ct)
    {
        var backoff = new Backoff(new ReconnectPolicy(_settings.Camera.ReconnectMinDelay, _settings.Camera.ReconnectMaxDelay));
        try
        {
            while (!ct.IsCancellationRequested)
            {
                IFrameSource? source = null;
                try
                {
                    source = _sources();
                    _source = source;
                    Log.SourceOpened(_log, _settings.Camera.Name, source.Name);
                    while (await _stages.CaptureOneAsync(source, ct).ConfigureAwait(false))
                    {
                        if (backoff.Attempts > 0)
                        {
                            backoff.Reset();
                            _gpio.SetStatus(LedStatus.Heartbeat);
                        }
                    }
                    Log.EndOfInput(_log, _settings.Camera.Name, source.Stats.Frames);
                    return;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    var delay = backoff.NextDelay();
                    Stats.AddSourceRestart();
                    _gpio.SetStatus(LedStatus.Error);
                    Log.SourceFailed(_log, _settings.Camera.Name, e.Message, delay);
                    try { await Task.Delay(delay, _time, ct).ConfigureAwait(false); }
                    catch (OperationCanceledException) { return; }
                }
                finally
                {
                    if (source is not null)
                    {
                        Interlocked.Add(ref _skippedBefore, source.Stats.Skipped);
                        _source = null;
                        source.Dispose();
                    }
                }
            }
        }
        finally
        {
            _stages.CompleteCapture();
        }
    }

    private async Task DetectLoopAsync()
    {
        try
        {
            while (await _stages.WaitForFrameAsync().ConfigureAwait(false))
            {
                while (true)
                {
                    try
                    {
                        if (!_stages.DetectOne()) break;
                    }
                    catch (Exception e)
                    {
                        Log.DetectFailed(_log, Stats.Captured, e.Message);
                    }
                }
            }
        }
        finally
        {
            _stages.CompleteDetection();
        }
    }

    private async Task PublishLoopAsync()
    {
        while (await _stages.WaitForResultAsync().ConfigureAwait(false))
        {
            while (_stages.Results.TryRead(out var result))
            {
                try
                {
                    await PublishAsync(result).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    Log.PublishFailed(_log, result.Sequence, e.Message);
                }
                finally
                {
                    _stages.Release(result);
                }
            }
        }
    }

    private async Task PublishAsync(DetectionResult result)
    {
        string camera = _settings.Camera.Name;
        var detections = new List<MqttDetection>(result.Count);
        foreach (var o in result.Span)
            if (_labels is null || _labels.Contains(o.Label))
                detections.Add(new MqttDetection(o.Label, o.ScorePermille / 1000f, new PixelBox(o.X1, o.Y1, o.X2, o.Y2)));
        var events = _tracker.Update(CollectionsMarshal.AsSpan(detections), result.Timestamp);
        Publish(events);
        var counts = _tracker.CountsByLabel();
        _gpio.SetDetection(counts.GetValueOrDefault(_settings.Gpio.DetectionLabel) > 0);
        await _mqtt.PublishCountsAsync(camera, counts).ConfigureAwait(false);
        if (_settings.Mqtt.PublishFrameDetections)
        {
            await _mqtt.PublishDetectionsAsync(new FrameDetections
            {
                Camera = camera,
                FrameTime = result.Timestamp.ToUnixTimeMilliseconds() / 1000.0,
                Detections = [.. detections.Select(d => new DetectionJson { Label = d.Label, Score = d.Score, Box = d.Box.ToArray() })],
            }).ConfigureAwait(false);
        }
        if (result.Frame is { } frame && _renderer is not null)
            await PublishSnapshotsAsync(events, frame, result).ConfigureAwait(false);
    }

    private async Task PublishSnapshotsAsync(List<ObjectEvent> events, Hardware.Frames.Frame frame, DetectionResult result)
    {
        byte[]? jpeg = null;
        long now = _time.GetTimestamp();
        foreach (var ev in events)
        {
            if (ev.Type == EventTypes.End) continue;
            bool appeared = ev.Type == EventTypes.New || ev.After.TopScore > (ev.Before?.TopScore ?? 0);
            string label = ev.After.Label;
            if (!appeared) continue;
            if (_lastSnapshot.TryGetValue(label, out long last) && _time.GetElapsedTime(last, now) < _settings.Pipeline.SnapshotInterval) continue;
            try
            {
                jpeg ??= _renderer!.RenderJpeg(frame.Data, frame.Width, frame.Height, frame.Width * 3, result.Span);
            }
            catch (Exception e)
            {
                Log.SnapshotFailed(_log, label, e.Message);
                return;
            }
            _lastSnapshot[label] = now;
            await _mqtt.PublishSnapshotAsync(_settings.Camera.Name, label, jpeg).ConfigureAwait(false);
        }
    }

    private void Publish(List<ObjectEvent> events)
    {
        foreach (var ev in events)
        {
            _mqtt.PublishEvent(ev);
            EventQueued?.Invoke(ev);
        }
    }

    /// <summary>The stats message (the publisher adds the delivery fields); also logged.</summary>
    public StatsRecord BuildStats()
    {
        long skipped = Interlocked.Read(ref _skippedBefore) + (_source?.Stats.Skipped ?? 0);
        var s = Stats.Snapshot(skipped, _stages.QueueDepth);
        if (_thermal is not null)
        {
            var t = _thermal.Read();
            if (t.CpuMilliCelsius is int mc) s.CpuTemperature = mc / 1000.0;
            if (t.Throttle is { } flags) s.Throttled = (flags & (ThrottleFlags.Throttled | ThrottleFlags.FrequencyCapped | ThrottleFlags.UnderVoltage)) != 0;
        }
        s.MemoryBytes = Environment.WorkingSet;
        Log.Stats(_log, s.CaptureFps, s.ProcessFps, s.InferenceMs.P50, s.InferenceMs.P95, s.InferenceMs.P99, s.DroppedFrames,
            s.FrameQueueDepth, _mqtt.QueueDepth, s.CpuTemperature is double c ? $"{c:0.0} C" : "n/a");
        return s;
    }
}
