using System.CommandLine;
using System.Text.Json;
using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Worker.Inference;
using AQD.Edge.Worker.Pipeline;

namespace AQD.Edge.Worker.Cli;

/// <summary><c>aqd-edge detect IMAGE|FOLDER...</c>: runs the model on photos and prints the
/// detections as JSON (integer scores in parts per thousand, boxes in pixels of the photo);
/// <c>--annotate DIR</c> also writes each photo with its boxes as JPEG.</summary>
internal static class DetectCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var images = new Argument<string[]>("images") { Description = "Photos (JPEG/PNG) or folders of photos.", Arity = ArgumentArity.OneOrMore };
        var annotate = new Option<DirectoryInfo?>("--annotate") { Description = "Write annotated JPEGs (boxes, labels, scores) into this folder." };
        var cmd = WorkerCli.WithOverrides(new Command("detect", "Detect objects in photos; prints JSON. Settings overrides: --Detector:Model=FILE, --Detector:ScoreThresholdPermille=N, ...")
        {
            images, annotate,
        });
        cmd.SetAction(parse =>
        {
            // The image argument also collects --Section:Key=value overrides: split them off.
            var tokens = parse.GetValue(images)!.Concat(parse.UnmatchedTokens).ToList();
            var overrides = tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal)).ToList();
            if (!SettingsLoader.TryLoad(WorkerCli.ConfigFile(parse), overrides, null, requireModel: true, error, out var settings, out _))
                return WorkerCli.BadSettings;
            var files = new List<string>();
            foreach (var path in tokens.Except(overrides))
            {
                if (Directory.Exists(path)) files.AddRange(ImageFolderFrameSource.ListImages(path));
                else if (File.Exists(path)) files.Add(path);
                else
                {
                    error.WriteLine($"aqd-edge detect: no such file or folder: {path}");
                    return WorkerCli.BadSettings;
                }
            }
            var annotateDir = parse.GetValue(annotate);
            if (annotateDir is not null) Directory.CreateDirectory(annotateDir.FullName);
            var renderer = annotateDir is null ? null : DetectorFactory.SnapshotRenderer();
            using var detector = DetectorFactory.Open(settings.Detector, BoardDetector.Detect("/", settings.Pipeline.Board).Cores);
            var objects = new DetectedObject[detector.MaxDetections];
            var pool = new FramePool(1, 3 * 640 * 480);
            int failures = 0;
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("model", detector.Name);
            json.WriteStartArray("images");
            foreach (var file in files)
            {
                json.WriteStartObject();
                json.WriteString("file", Path.GetFileName(file));
                try
                {
                    using var frame = FrameDecoder.DecodeRgb24(File.ReadAllBytes(file), pool);
                    int n = detector.Detect(frame.Data, frame.Width, frame.Height, frame.Width * 3, objects);
                    json.WriteNumber("width", frame.Width);
                    json.WriteNumber("height", frame.Height);
                    json.WriteNumber("detect_ms", Math.Round(detector.LastTicks.Total * 1000.0 / System.Diagnostics.Stopwatch.Frequency, 1));
                    DetectionJsonWriter.WriteObjects(json, objects.AsSpan(0, n));
                    if (renderer is not null)
                        File.WriteAllBytes(Path.Combine(annotateDir!.FullName, Path.GetFileNameWithoutExtension(file) + ".jpg"),
                            renderer.RenderJpeg(frame.Data, frame.Width, frame.Height, frame.Width * 3, objects.AsSpan(0, n)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or SixLabors.ImageSharp.ImageFormatException or NotSupportedException)
                {
                    json.WriteString("error", e.Message);
                    failures++;
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
            return failures == 0 ? WorkerCli.Ok : WorkerCli.Failed;
        });
        return cmd;
    }
}
