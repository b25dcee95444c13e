using System.CommandLine;
using System.Diagnostics;
using System.Net.Sockets;
using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Gpio;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Hardware.Thermal;
using AQD.Edge.Worker.Inference;
using AQD.Edge.Worker.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using AQD.Edge.Detection;

namespace AQD.Edge.Worker.Cli;

/// <summary><c>aqd-edge check</c>: self-test of settings, model (one inference on a test pattern),
/// camera (one frame), GPIO (LED blink), thermal sensor and MQTT broker reachability. One line per
/// item; exit 0 when settings, model and camera are fine (no GPIO or sensor is reported, not failed).</summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var cmd = WorkerCli.WithOverrides(new Command("check", "Self-test: settings, model, camera, GPIO, thermal, MQTT broker. Settings overrides: --Section:Key=value."));
        cmd.SetAction(async (parse, ct) =>
        {
            int failed = 0;
            void Line(string item, bool ok, string text)
            {
                output.WriteLine($"check {item,-9} {(ok ? "ok  " : "FAIL")} {text}");
                if (!ok) failed++;
            }
            if (!SettingsLoader.TryLoad(WorkerCli.ConfigFile(parse), parse.UnmatchedTokens, null, requireModel: true, error, out var settings, out _))
            {
                Line("settings", false, "see above");
                return WorkerCli.BadSettings;
            }
            Line("settings", true, $"camera '{settings.Camera.Name}', model {settings.Detector.ResolvedModelPath}");
            var board = BoardDetector.Detect("/", settings.Pipeline.Board);
            Line("board", true, $"{board.Name}, {board.Cores} cores, default camera {board.DefaultCamera}");

            IFrameDetector? detector = null;
            try
            {
                detector = DetectorFactory.Open(settings.Detector, board.Cores);
                var pool = FramePool.For(1, 640, 480);
                using var pattern = new TestPatternFrameSource(new TestPatternOptions { Width = 640, Height = 480, FrameCount = 1 }, pool: pool);
                using var frame = (await pattern.ReadFrameAsync(ct).ConfigureAwait(false))!;
                var objects = new ObjectDetection[detector.MaxDetections];
                var sw = Stopwatch.StartNew();
                int n = detector.Detect(frame.Data, frame.Width, frame.Height, frame.Width * 3, objects);
                Line("model", true, $"{detector.Name}, {detector.Labels.Count} labels; test-pattern inference {sw.Elapsed.TotalMilliseconds:0} ms, {n} objects");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Line("model", false, e.Message);
            }
            finally
            {
                detector?.Dispose();
            }

            var cameras = new CameraFactory(settings.Camera, board, 4, TimeProvider.System, NullLoggerFactory.Instance);
            try
            {
                using var source = cameras.Create();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(15));
                using var frame = await source.ReadFrameAsync(timeout.Token).ConfigureAwait(false);
                Line("camera", frame is not null, frame is null ? $"{source.Name}: no frame (end of input)" : $"{source.Name}: {frame.Width}x{frame.Height} {frame.Format}");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Line("camera", false, $"{cameras.Kind}: no frame within 15 s");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Line("camera", false, $"{cameras.Kind}: {e.Message}");
            }

            var pins = WorkerRuntime.Pins(settings.Gpio, board.Pins);
            using (var gpio = settings.Gpio.Enabled ? DeviceGpio.Create(pins) : NullDeviceGpio.Instance)
            {
                if (gpio.IsAvailable)
                {
                    gpio.SetStatus(LedStatus.Error);
                    await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                    gpio.SetStatus(LedStatus.Off);
                }
                output.WriteLine($"check {"gpio",-9} {(gpio.IsAvailable ? "ok  " : "none")} {(gpio.IsAvailable ? $"LED {pins.StatusLed}, detection {pins.Detection}, trigger {pins.Trigger} (LED blinked 1 s)" : settings.Gpio.Enabled ? "no GPIO chip (the worker runs without)" : "disabled")}");
            }

            var reading = new ThermalMonitor(board).Read();
            output.WriteLine($"check {"thermal",-9} {(reading.CpuMilliCelsius is null ? "none" : "ok  ")} {(reading.CpuMilliCelsius is int mc ? $"{mc / 1000.0:0.0} C ({reading.Zone})" : "no sensor")}{(reading.Throttle is { } t ? $", throttling {t}" : "")}");

            if (settings.Mqtt.UsesEmbeddedBroker)
                output.WriteLine($"check {"mqtt",-9} ok   no Mqtt:Host: run starts the embedded broker on 127.0.0.1:{settings.Mqtt.Port}");
            else
            {
                try
                {
                    using var tcp = new TcpClient();
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    await tcp.ConnectAsync(settings.Mqtt.Host!, settings.Mqtt.Port, timeout.Token).ConfigureAwait(false);
                    output.WriteLine($"check {"mqtt",-9} ok   {settings.Mqtt.Host}:{settings.Mqtt.Port} reachable");
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    // Not a failure: the worker queues events on disk until the broker is back.
                    output.WriteLine($"check {"mqtt",-9} warn {settings.Mqtt.Host}:{settings.Mqtt.Port} not reachable ({e.Message}); events will wait in the queue");
                }
            }
            return failed == 0 ? WorkerCli.Ok : WorkerCli.Failed;
        });
        return cmd;
    }
}
