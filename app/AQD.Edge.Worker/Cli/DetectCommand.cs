using System.CommandLine;
using AQD.Edge.Detection;
using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Worker.Inference;

namespace AQD.Edge.Worker.Cli;

/// <summary><c>aqd-edge detect IMAGE|FOLDER...</c>: runs the model on photos and prints
/// <see cref="DetectionJson"/> (per image: label, class id, score, box in pixels of the photo);
/// <c>--annotate DIR</c> also writes each photo with its boxes as JPEG. Photos are decoded like the
/// camera sources decode (ImageSharp without metadata: NativeAOT-safe).</summary>
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
            var renderer = new SnapshotRenderer(quality: 90);
            Detector detector;
            try
            {
                detector = Detector.Open(settings.Detector.ResolvedModelPath,
                    DetectorFactory.Options(settings.Detector, BoardDetector.Detect("/", settings.Pipeline.Board).Cores));
            }
            catch (Exception e) when (e is AQD.Edge.Model.Container.BlobFormatException or IOException or ArgumentException)
            {
                error.WriteLine($"aqd-edge detect: cannot open the model: {e.Message}");
                return WorkerCli.Failed;
            }
            using var detectorScope = detector;
            var pool = new FramePool(1, 3 * 640 * 480);
            var documents = new List<DetectionJsonDocument>();
            int failures = 0;
            foreach (var file in files)
            {
                try
                {
                    using var frame = FrameDecoder.DecodeRgb24(File.ReadAllBytes(file), pool);
                    var set = detector.Detect(frame.Data, frame.Width, frame.Height, frame.Width * 3);
                    documents.Add(DetectionJson.ToDocument(set, Path.GetFileName(file)));
                    if (annotateDir is not null)
                        File.WriteAllBytes(Path.Combine(annotateDir.FullName, Path.GetFileNameWithoutExtension(file) + ".jpg"),
                            renderer.RenderJpeg(frame.Data, frame.Width, frame.Height, frame.Width * 3, set.AsSpan()));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or SixLabors.ImageSharp.ImageFormatException or NotSupportedException)
                {
                    error.WriteLine($"aqd-edge detect: {file}: {e.Message}");
                    failures++;
                }
            }
            output.WriteLine(DetectionJson.Serialize(documents, indented: true));
            return failures == 0 ? WorkerCli.Ok : WorkerCli.Failed;
        });
        return cmd;
    }
}
