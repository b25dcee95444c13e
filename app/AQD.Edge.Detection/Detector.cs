using System.Diagnostics;
using AQD.Edge.Engine;
using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Detection;
using AQD.Edge.Model.Mapping;
using AQD.Edge.Model.Metadata;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AQD.Edge.Detection;

/// <summary>
/// A detector blob ready to run: RGB24 frame in, detections in original-image pixels out. The path
/// from pixels to boxes is integer only (FramePreprocessor, the engine, DetectionDecoder). One
/// detector runs one frame at a time; after the first frame of a given size Detect allocates no
/// managed memory.
/// </summary>
public sealed class Detector : IDisposable
{
    private readonly MappedBlobFile? file;
    private readonly DetectionDecoder decoder;
    private readonly FramePreprocessor preprocessor;
    private readonly DetectionSet set;
    private readonly string[] labels;
    private bool disposed;

    private Detector(MappedBlobFile? file, BlobReader blob, DetectorOptions options)
    {
        this.file = file;
        Metadata = blob.Metadata;
        var parameters = blob.Detection ?? throw new BlobFormatException(blob.SourceName, "section table", "kind", 0,
            $"the blob has no DETC (detection tables) section; its detector family is '{blob.Metadata.Detector.Family}'. Re-pack it with pack-model for a detector family.");
        Engine = InferenceEngine.Load(blob, new EngineOptions { Threads = options.Threads });
        try
        {
            DetectionBinding.Check(blob, Engine, parameters);
            decoder = new DetectionDecoder(parameters);
            decoder.SetThresholds(options.ScoreThresholdPermille, options.IouThresholdPermille, options.MaxDetections);
            InputWidth = parameters.InputWidth;
            InputHeight = parameters.InputHeight;
            var pre = Metadata.Preprocessing;
            var policy = pre.Resize switch
            {
                "letterbox" => ResizePolicy.Letterbox,
                "center-crop" => ResizePolicy.CenterCrop,
                _ => ResizePolicy.Stretch,
            };
            preprocessor = new FramePreprocessor(InputWidth, InputHeight, policy, pre.PadValue is { } padValue ? [.. padValue] : [],
                new InputQuantize(parameters.InputSource, parameters.InputTables));
            set = new DetectionSet(DetectionParams.MaxDetectionsLimit);
            labels = [.. Enumerable.Range(0, parameters.NumClasses).Select(i => i < Metadata.Labels.Count ? Metadata.Labels[i] : $"class{i}")];
        }
        catch
        {
            Engine.Dispose();
            throw;
        }
    }

    /// <summary>Memory-maps and validates the blob, loads the engine and prepares preprocessing and decoding.</summary>
    /// <exception cref="BlobFormatException">The blob is invalid, has no DETC section, or its DETC does not fit the graph.</exception>
    public static Detector Open(string blobPath, DetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(blobPath);
        options ??= new DetectorOptions();
        options.Validate();
        var file = MappedBlobFile.Open(blobPath);
        try
        {
            return new Detector(file, BlobReader.Open(file.Bytes, blobPath), options);
        }
        catch
        {
            ((IDisposable)file).Dispose();
            throw;
        }
    }

    /// <summary>A detector over blob bytes already in memory (they must outlive the detector).</summary>
    public static Detector Open(ReadOnlyMemory<byte> blob, string sourceName, DetectorOptions? options = null)
    {
        options ??= new DetectorOptions();
        options.Validate();
        return new Detector(null, BlobReader.Open(blob, sourceName), options);
    }

    public ModelMetadata Metadata { get; }

    public InferenceEngine Engine { get; }

    public int InputWidth { get; }

    public int InputHeight { get; }

    /// <summary>The decoder (thresholds in force, parameters of the DETC section).</summary>
    public DetectionDecoder Decoder => decoder;

    /// <summary>Durations of the last <see cref="Detect"/>.</summary>
    public DetectTimings LastTimings { get; private set; }

    /// <summary>
    /// Detects objects in an interleaved RGB24 frame (rows of <paramref name="stride"/> bytes). The result
    /// is owned by the detector and valid until the next call.
    /// </summary>
    public DetectionSet Detect(ReadOnlySpan<byte> rgb24, int width, int height, int stride)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        long t0 = Stopwatch.GetTimestamp();
        var placement = preprocessor.Run(rgb24, width, height, stride, Engine.Input(0));
        long t1 = Stopwatch.GetTimestamp();
        Engine.Run();
        long t2 = Stopwatch.GetTimestamp();
        int n = decoder.Decode(new EngineOutputs(Engine));
        set.Reset(width, height);
        var results = decoder.Results;
        for (int i = 0; i < n; i++)
        {
            ref readonly var c = ref results[i];
            set.Add(new ObjectDetection(c.ClassId, labels[c.ClassId], DetectionFixedPoint.ScoreToPermille(c.Score),
                placement.MapX(c.X1), placement.MapY(c.Y1), placement.MapX(c.X2), placement.MapY(c.Y2)));
        }
        long t3 = Stopwatch.GetTimestamp();
        LastTimings = new DetectTimings(t1 - t0, t2 - t1, t3 - t2);
        return set;
    }

    /// <summary>Decodes a JPEG / PNG / ... with ImageSharp (RGB24) and detects in it.</summary>
    public DetectionSet DetectImage(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var image = Image.Load<Rgb24>(path);
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return Detect(pixels, image.Width, image.Height, image.Width * 3);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        Engine.Dispose();
        ((IDisposable?)file)?.Dispose();
    }

    private readonly struct EngineOutputs(InferenceEngine engine) : IDetectionOutputs
    {
        public ReadOnlySpan<byte> Output(int index) => engine.Output(index);
    }
}
