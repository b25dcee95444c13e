using System.CommandLine;
using AQD.Edge.Onnx.Detection;
using AQD.Edge.Onnx.Import;

namespace AQD.Edge.PackModel;

/// <summary>
/// pack's detector options: with --detector the packed blob gets the detector metadata and the DETC
/// section (integer decode tables built from the graph's output scales, DetectionTablesBuilder).
/// </summary>
internal sealed class DetectorCliOptions
{
    private readonly Option<string?> family = new("--detector") { Description = "Detector family of the heads: nanodet (GFL), fcos or retinanet. Adds the DETC decode tables (needs --labels)." };
    private readonly Option<string> strides = new("--strides") { Description = "Strides of the head levels, e.g. 8,16,32.", DefaultValueFactory = _ => "8,16,32" };
    private readonly Option<int> regMax = new("--reg-max") { Description = "nanodet: distribution bins per side minus one (NanoDet-g: 10, NanoDet-m: 7).", DefaultValueFactory = _ => 7 };
    private readonly Option<int> score = new("--score-threshold") { Description = "Score threshold in per mille (keep boxes scoring above it).", DefaultValueFactory = _ => 350 };
    private readonly Option<int> iou = new("--iou-threshold") { Description = "NMS IoU threshold in per mille.", DefaultValueFactory = _ => 600 };
    private readonly Option<int> maxDetections = new("--max-detections") { Description = "Detections kept after NMS.", DefaultValueFactory = _ => 100 };

    public DetectorCliOptions(Command command)
    {
        family.AcceptOnlyFromAmong("nanodet", "fcos", "retinanet");
        foreach (var o in new Option[] { family, strides, regMax, score, iou, maxDetections })
        {
            command.Options.Add(o);
        }
    }

    /// <summary>The blob with DETC when --detector was given, else unchanged.</summary>
    /// <exception cref="OnnxImportException">Bad strides, or heads that do not fit the options.</exception>
    public byte[] Apply(ParseResult parse, byte[] blob, string sourceName)
    {
        if (parse.GetValue(family) is not { } f)
        {
            return blob;
        }
        int[] s;
        try
        {
            s = [.. parse.GetValue(strides)!.Split(',').Select(v => int.Parse(v.Trim(), System.Globalization.CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new OnnxImportException($"--strides '{parse.GetValue(strides)}': expected integers separated by commas, e.g. 8,16,32.");
        }
        return DetectionTablesBuilder.AddTo(blob, sourceName, new DetectionBuildOptions
        {
            Family = f,
            Strides = s,
            RegMax = parse.GetValue(regMax),
            ScoreThresholdPermille = parse.GetValue(score),
            IouThresholdPermille = parse.GetValue(iou),
            MaxDetections = parse.GetValue(maxDetections),
        });
    }
}
