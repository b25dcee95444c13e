using System.CommandLine;
using System.Diagnostics;
using AQD.Edge.Worker.Demo;
using AQD.Edge.Worker.Pipeline;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Worker.Cli;

/// <summary>
/// <c>aqd-edge demo</c>: the bundled int8 NanoDet blob over the bundled real photos (or, with
/// <c>--video</c>, the bundled clip through ffmpeg) through the same pipeline as <c>run</c>, publishing
/// to the embedded MQTT broker on 127.0.0.1 (unless Mqtt:Host is configured), with an in-process
/// subscriber printing every message. Ends when the input ends and every event was delivered.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var video = new Option<bool>("--video") { Description = "Use the bundled video clip (needs ffmpeg) instead of the photos." };
        var input = new Option<string?>("--input") { Description = "Another photo folder, or with --video another video file." };
        var labels = new Option<string[]>("--labels") { Description = "Labels that make events (default: every label of the model).", AllowMultipleArgumentsPerToken = true };
        var cmd = WorkerCli.WithOverrides(new Command("demo", "Run the bundled model over bundled real photos (or --video), publish to an embedded MQTT broker, print every message.")
        {
            video, input, labels,
        });
        cmd.SetAction(async (parse, ct) =>
        {
            bool useVideo = parse.GetValue(video);
            string queue = Path.Combine(Path.GetTempPath(), $"aqd-edge-demo-{Environment.ProcessId}");
            var defaults = new Dictionary<string, string?>
            {
                ["Camera:Name"] = "demo",
                ["Camera:Kind"] = useVideo ? "Ffmpeg" : "ImageFolder",
                ["Camera:Input"] = parse.GetValue(input) ?? (useVideo ? "demo/video/vtest-320x240.mp4" : "demo/images"),
                ["Camera:Width"] = "320",
                ["Camera:Height"] = "240",
                ["Camera:Loop"] = "false",
                ["Mqtt:DeviceId"] = "demo",
                ["Mqtt:Port"] = "0",
                ["Mqtt:QueuePath"] = queue,
                ["Mqtt:StatsInterval"] = "00:00:02",
                ["Pipeline:CaptureQueue"] = "64",
                ["Pipeline:ResultQueue"] = "64",
                ["Pipeline:SnapshotInterval"] = "00:00:00",
                ["Gpio:Enabled"] = "false",
            };
            if (!SettingsLoader.TryLoad(WorkerCli.ConfigFile(parse), parse.UnmatchedTokens, defaults, requireModel: true, error, out var settings, out _))
                return WorkerCli.BadSettings;
            // The demo shows everything the model finds unless told otherwise (the sample settings list a few labels).
            settings.Pipeline.Labels = [.. parse.GetValue(labels) ?? []];
            using var loggers = LoggerFactory.Create(b => b
                .SetMinimumLevel(LogLevel.Warning).AddFilter("aqd-edge", LogLevel.Information)
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
            var sw = Stopwatch.StartNew();
            try
            {
                await using var runtime = await WorkerRuntime.StartAsync(settings, loggers, TimeProvider.System, ct: ct).ConfigureAwait(false);
                await using var printer = new EventPrinter(output, runtime.Mqtt.Topics);
                string host = runtime.Mqtt.EmbeddedBrokerPort is null ? settings.Mqtt.Host! : "127.0.0.1";
                int port = runtime.Mqtt.EmbeddedBrokerPort ?? settings.Mqtt.Port;
                output.WriteLine($"demo: model {runtime.Detector.Name}, input {settings.Camera.Input}, MQTT {(runtime.Mqtt.EmbeddedBrokerPort is null ? "" : "embedded broker ")}{host}:{port}, topics {runtime.Mqtt.Topics.Prefix}/#");
                var online = Stopwatch.StartNew();
                while (!runtime.Mqtt.IsOnline && online.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20, ct).ConfigureAwait(false);
                await printer.ConnectAsync(host, port, ct).ConfigureAwait(false); // gets the retained "online"
                int queued = 0;
                runtime.Pipeline.EventQueued += _ => Interlocked.Increment(ref queued);
                await runtime.RunAsync(ct).ConfigureAwait(false);
                bool delivered = await runtime.Mqtt.WaitForQueueEmptyAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                var until = Stopwatch.StartNew();
                while (printer.EventsReceived < queued && until.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20, ct).ConfigureAwait(false);
                runtime.Pipeline.BuildStats(); // final stats line in the log
                var s = runtime.Pipeline.Stats;
                output.WriteLine($"demo: {s.Processed} frames, {s.DetectionFrames} with objects, {queued} events published, {printer.EventsReceived} received, {sw.Elapsed.TotalSeconds:0.0} s");
                return delivered && printer.EventsReceived >= queued ? WorkerCli.Ok : WorkerCli.Failed;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                error.WriteLine($"aqd-edge demo: {e.Message}");
                return WorkerCli.Failed;
            }
            finally
            {
                try { Directory.Delete(queue, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        });
        return cmd;
    }
}
