using System.CommandLine;
using AQD.Edge.Model.Container;
using AQD.Edge.Onnx.Import;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.PackModel;

/// <summary>
/// The pack-model command tree. <see cref="Run"/> is what Program calls; tests call it in-process
/// with their own writers. Exit codes: 0 ok, 1 usage or I/O error, 2 invalid blob, 3 model not importable
/// (or, for verify, not comparable), 4 verify: an output below the thresholds.
/// </summary>
public static class PackModelCli
{
    public const int Ok = 0, IoError = 1, BadBlob = 2, ImportError = 3, VerifyFailed = 4;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = CreateRootCommand(output, error);
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    public static RootCommand CreateRootCommand(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("AQD.Edge model packer: ONNX -> .aqd model blob, and blob inspection.");
        root.Subcommands.Add(InspectCommand(output, error));
        root.Subcommands.Add(PackCommand(output, error));
        root.Subcommands.Add(VerifyCommand(output, error));
        root.Subcommands.Add(PackAqdCommand.Create(output, error));
        return root;
    }

    private static Command InspectCommand(TextWriter output, TextWriter error)
    {
        var model = new Argument<FileInfo>("model") { Description = "The .aqd model blob." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var cmd = new Command("inspect", "Validate a model blob and print its sections, metadata, ops (shapes, formats, MACs, weight bytes) and totals.")
        {
            model, json,
        };
        cmd.SetAction(parse =>
        {
            var file = parse.GetValue(model)!;
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"pack-model inspect: cannot read {file}: {e.Message}");
                return IoError;
            }
            try
            {
                var report = ModelInspector.Inspect(bytes, file.ToString());
                output.Write(parse.GetValue(json) ? ModelInspector.ToJson(report) + Environment.NewLine : ModelInspector.ToText(report));
                return Ok;
            }
            catch (BlobFormatException e)
            {
                error.WriteLine($"pack-model inspect: invalid blob: {e.Message}");
                return BadBlob;
            }
        });
        return cmd;
    }

    private static Command PackCommand(TextWriter output, TextWriter error)
    {
        var model = new Argument<FileInfo>("model") { Description = "The quantized ONNX model (QLinearConv or QDQ form)." };
        var outOption = new Option<FileInfo>("--output", "-o") { Description = "The .aqd blob to write.", Required = true };
        var name = new Option<string?>("--name") { Description = "Model name in the metadata (default: the ONNX file name)." };
        var labels = new Option<FileInfo?>("--labels") { Description = "Text file of class labels, one per line." };
        var calibrate = new Option<DirectoryInfo?>("--calibrate") { Description = "Float model: folder of calibration photos (jpg/png/bmp); the model is run with ONNX Runtime on them and quantized to int8." };
        var method = new Option<string>("--calibrate-method") { Description = "Range choice: minmax, percentile (of |x|, see --percentile), or mse (per-tensor clip minimizing the quantization MSE over the histogram).", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile", "mse");
        var biasCorrection = new Option<string>("--bias-correction") { Description = "Conv biases: none, or empirical (sequential empirical bias correction on the calibration images, 8-bit policies).", DefaultValueFactory = _ => "none" };
        biasCorrection.AcceptOnlyFromAmong("none", "empirical");
        var percentile = new Option<double>("--percentile") { Description = "Percentile for --calibrate-method percentile.", DefaultValueFactory = _ => 99.99 };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean in 8-bit levels, e.g. 123.675,116.28,103.53 (network input = (pixel - mean) / std; default 0)." };
        var std = new Option<string?>("--std") { Description = "Per-channel std in 8-bit levels, e.g. 58.395,57.12,57.375 (default 1)." };
        var bgr = new Option<bool>("--bgr") { Description = "The network takes B, G, R channels (CNTK/Caffe exports); --mean/--std are then in B, G, R order." };
        var limit = new Option<int?>("--limit") { Description = "Use at most N calibration images (sorted by name)." };
        var bits = new Option<string>("--bits") { Description = "Bit policy: M{b}F{b}L{b} (AQD shorthand: middle, first, last conv layers; b in 2, 3, 4, 8, e.g. M4F8L8, M2F8L8) or one width, optionally followed by per-layer overrides ',<conv node or output name>=<b>' (e.g. M4F8L8,layer4.1.conv2=8).", DefaultValueFactory = _ => "M8F8L8" };
        var sigmoidBits = new Option<int>("--sigmoid-bits") { Description = "Output of a Sigmoid's lookup table: 16 (int16, scale 1/32768; default, what the detection decoders read for NanoDet) or 8 (uint8, scale 1/256; coarser: background scores fall below one step).", DefaultValueFactory = _ => 16 };
        sigmoidBits.AcceptOnlyFromAmong("8", "16");
        var detector = new Option<string?>("--detector") { Description = "Detector family for the metadata: nanodet, fcos, retinanet (default: classifier with --labels, else none)." };
        var strides = new Option<string?>("--strides") { Description = "Detector: feature-map strides of the heads, e.g. 8,16,32." };
        var regMax = new Option<int?>("--reg-max") { Description = "NanoDet: distribution bins per box side minus one (10 for NanoDet-g, 7 for NanoDet-m)." };
        var scoreThreshold = new Option<int?>("--score-threshold") { Description = "Detector: score threshold in per mille (e.g. 350)." };
        var iouThreshold = new Option<int?>("--iou-threshold") { Description = "Detector: NMS IoU threshold in per mille (e.g. 600)." };
        var maxDetections = new Option<int?>("--max-detections") { Description = "Detector: boxes kept after NMS (e.g. 100)." };
        var cmd = new Command("pack", "Pack an ONNX model into a model blob: an already-quantized one (QLinearConv, or QDQ: DequantizeLinear -> Conv -> [Relu] -> QuantizeLinear, MaxPool, GlobalAveragePool, Add), or a float one with --calibrate (per-channel Sub/Mul input normalization, Conv+BN+Relu/Clip, zero Pad, Add, MaxPool, GlobalAveragePool / global AveragePool, Concat, Resize nearest 2x, Flatten/Reshape of the feature vector).")
        {
            model, outOption, name, labels, calibrate, method, biasCorrection, percentile, mean, std, bgr, limit, bits, sigmoidBits,
            detector, strides, regMax, scoreThreshold, iouThreshold, maxDetections,
        };
        cmd.SetAction(parse =>
        {
            var src = parse.GetValue(model)!;
            var dst = parse.GetValue(outOption)!;
            byte[] onnx;
            string[]? labelLines = null;
            try
            {
                onnx = File.ReadAllBytes(src.FullName);
                if (parse.GetValue(labels) is { } lf)
                {
                    labelLines = [.. File.ReadAllLines(lf.FullName).Select(l => l.Trim()).Where(l => l.Length > 0)];
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"pack-model pack: {e.Message}");
                return IoError;
            }
            try
            {
                error.WriteLine($"packing {src.Name} ({onnx.Length} bytes)...");
                var detectorSpec = parse.GetValue(detector) is { } family
                    ? new AQD.Edge.Model.Metadata.DetectorSpec
                    {
                        Family = family,
                        NumClasses = 0,
                        Strides = parse.GetValue(strides) is { } st ? [.. st.Split(',').Select(v => int.Parse(v.Trim(), System.Globalization.CultureInfo.InvariantCulture))] : null,
                        RegMax = parse.GetValue(regMax),
                        ScoreThresholdPermille = parse.GetValue(scoreThreshold),
                        IouThresholdPermille = parse.GetValue(iouThreshold),
                        MaxDetections = parse.GetValue(maxDetections),
                    }
                    : null;
                if (detectorSpec is null && new[] { parse.GetValue(strides) is not null, parse.GetValue(regMax) is not null, parse.GetValue(scoreThreshold) is not null,
                        parse.GetValue(iouThreshold) is not null, parse.GetValue(maxDetections) is not null }.Any(b => b))
                {
                    throw new ArgumentException("--strides, --reg-max, --score-threshold, --iou-threshold and --max-detections need --detector.");
                }
                var packOptions = new PackOptions { Name = parse.GetValue(name), Labels = labelLines, SourceFileName = src.Name, Detector = detectorSpec };
                PackResult result;
                if (parse.GetValue(calibrate) is { } folder)
                {
                    var images = CalibrationImages.List(folder.FullName, parse.GetValue(limit));
                    int channels = Calibrator.InputShape(FloatOnnxGraph.Parse(onnx, src.Name)).C;
                    var norm = new InputNormalization(
                        ParseFloats(parse.GetValue(mean), "--mean", channels, 0f), ParseFloats(parse.GetValue(std), "--std", channels, 1f), parse.GetValue(bgr));
                    result = FloatOnnxPacker.Pack(onnx, new FloatPackOptions
                    {
                        Pack = packOptions,
                        Images = images,
                        Normalization = norm,
                        Method = parse.GetValue(method) switch { "percentile" => CalibrationMethod.Percentile, "mse" => CalibrationMethod.Mse, _ => CalibrationMethod.MinMax },
                        Percentile = parse.GetValue(percentile),
                        Bits = parse.GetValue(bits)!,
                        SigmoidBits = parse.GetValue(sigmoidBits),
                        Progress = (i, n, file) => error.Write($"\rcalibrating {i}/{n} {file}".PadRight(60) + (i == n ? "\n" : "")),
                        BiasCorrection = parse.GetValue(biasCorrection) == "empirical" ? BiasCorrection.Empirical : BiasCorrection.None,
                        BiasCorrectionProgress = (i, n) => error.Write($"\rbias correction {i}/{n}".PadRight(60) + (i == n ? "\n" : "")),
                    }).Packed;
                }
                else
                {
                    result = QuantizedOnnxPacker.Pack(onnx, packOptions);
                }
                foreach (var note in result.Notes)
                {
                    error.WriteLine($"note: {note}");
                }
                // detector families get the DETC section (integer decode tables from the heads' quantization)
                var blob = detectorSpec is { Family: "nanodet" or "fcos" or "retinanet" }
                    ? AQD.Edge.Onnx.Detection.DetectionTablesBuilder.AddTo(result.Blob, src.Name)
                    : result.Blob;
                File.WriteAllBytes(dst.FullName, blob);
                output.WriteLine($"{dst}: {result.OpCount} ops, {blob.Length} bytes");
                return Ok;
            }
            catch (OnnxImportException e)
            {
                error.WriteLine($"pack-model pack: {src.Name}: {e.Message}");
                return ImportError;
            }
            catch (Exception e) when (e is ArgumentException or BlobFormatException or AQD.Edge.Model.Metadata.ModelMetadataException)
            {
                error.WriteLine($"pack-model pack: {src.Name}: {e.Message}");
                return ImportError;
            }
            catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException or FormatException
                or SixLabors.ImageSharp.ImageFormatException or SixLabors.ImageSharp.UnknownImageFormatException)
            {
                error.WriteLine($"pack-model pack: {e.Message}");
                return IoError;
            }
            catch (IOException e)
            {
                error.WriteLine($"pack-model pack: cannot write {dst}: {e.Message}");
                return IoError;
            }
        });
        return cmd;
    }

    private static Command VerifyCommand(TextWriter output, TextWriter error)
    {
        var model = new Argument<FileInfo>("model") { Description = "The .aqd model blob." };
        var reference = new Option<FileInfo>("--reference") { Description = "The ONNX model it was packed from (float, or QDQ / QLinearConv: then ONNX Runtime runs that quantized model).", Required = true };
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of photos (jpg/png/bmp), preprocessed as for calibration (stretch, the blob's mean/std).", Required = true };
        var limit = new Option<int?>("--limit") { Description = "Use at most N images (sorted by name)." };
        var minSqnr = new Option<double>("--min-sqnr") { Description = "Fail when an output's SQNR (worst image) is below this, in dB.", DefaultValueFactory = _ => ModelVerifier.DefaultMinSqnrDb };
        var minCos = new Option<double>("--min-cosine") { Description = "Fail when an output's cosine similarity (worst image) is below this.", DefaultValueFactory = _ => ModelVerifier.DefaultMinCosine };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var cmd = new Command("verify", "Run the blob with the integer engine and the reference ONNX model with ONNX Runtime on the same images; print per-layer SQNR and cosine (blob tensors matched to ONNX tensors by name) and output agreement. " +
            $"Exit code {VerifyFailed} when an output is below --min-sqnr or --min-cosine (the first layer below them is named).")
        {
            model, reference, images, limit, minSqnr, minCos, json,
        };
        cmd.SetAction(parse =>
        {
            var blobFile = parse.GetValue(model)!;
            var refFile = parse.GetValue(reference)!;
            byte[] blob, onnx;
            IReadOnlyList<string> files;
            try
            {
                blob = File.ReadAllBytes(blobFile.FullName);
                onnx = File.ReadAllBytes(refFile.FullName);
                files = CalibrationImages.List(parse.GetValue(images)!.FullName, parse.GetValue(limit));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"pack-model verify: {e.Message}");
                return IoError;
            }
            try
            {
                bool asJson = parse.GetValue(json);
                var report = ModelVerifier.Verify(blob, blobFile.Name, onnx, refFile.Name, files, parse.GetValue(minSqnr), parse.GetValue(minCos),
                    asJson ? null : (i, n, f) => error.Write($"\rverifying {i}/{n} {f}".PadRight(60) + (i == n ? "\n" : "")));
                output.Write(asJson ? ModelVerifier.ToJson(report) + Environment.NewLine : ModelVerifier.ToText(report));
                if (!report.Passed)
                {
                    error.WriteLine($"pack-model verify: {string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"output '{o.Tensor}' SQNR {o.SqnrDb:F1} dB, cosine {o.Cosine:F4}"))} " +
                        $"below the thresholds (SQNR {report.MinSqnrDb} dB, cosine {report.MinCosine}); first failing layer: '{report.FirstFailingLayer}'.");
                }
                return report.Passed ? Ok : VerifyFailed;
            }
            catch (BlobFormatException e)
            {
                error.WriteLine($"pack-model verify: invalid blob: {e.Message}");
                return BadBlob;
            }
            catch (Exception e) when (e is OnnxImportException or OnnxRuntimeException)
            {
                error.WriteLine($"pack-model verify: {e.Message}");
                return ImportError;
            }
            catch (Exception e) when (e is SixLabors.ImageSharp.ImageFormatException or SixLabors.ImageSharp.UnknownImageFormatException)
            {
                error.WriteLine($"pack-model verify: {e.Message}");
                return IoError;
            }
        });
        return cmd;
    }

    private static float[] ParseFloats(string? text, string option, int channels, float fallback)
    {
        if (text is null)
        {
            return [.. Enumerable.Repeat(fallback, channels)];
        }
        var v = text.Split(',').Select(t => float.Parse(t.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return v.Length == channels ? v : v.Length == 1 ? [.. Enumerable.Repeat(v[0], channels)]
            : throw new ArgumentException($"{option} has {v.Length} values; the model input has {channels} channels.");
    }
}
