using System.CommandLine;
using AQD.Edge.Aqd;
using AQD.Edge.Aqd.Checkpoints;

namespace AQD.Edge.PackModel;

/// <summary>
/// <c>pack-model pack-aqd model.pth --policy policy.json -o model.aqd [--calibrate photo.jpg] [--name n] [--labels file] [--score-threshold permille]</c>:
/// an AQD PyTorch checkpoint (state_dict, zip format) and its policy file packed straight to a blob
/// with its labels and DETC decode tables (docs/aqd-models.md, "Importing AQD checkpoints").
/// </summary>
internal static class PackAqdCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<FileInfo>("checkpoint") { Description = "The AQD PyTorch state_dict (.pth, torch.save zip format)." };
        var policy = new Option<FileInfo>("--policy") { Description = "The policy JSON (family, depth, bits, input size, classes, widths; docs/aqd-models.md).", Required = true };
        var outOption = new Option<FileInfo>("--output", "-o") { Description = "The .aqd blob to write.", Required = true };
        var calibrate = new Option<FileInfo?>("--calibrate") { Description = "A photo to set the int16 residual/FPN scales the checkpoint does not hold (*.stream_scale, backbone.fpn_sum_scale)." };
        var name = new Option<string?>("--name") { Description = "Model name in the metadata (default: fcos-r18-m4f8l8-WxH style)." };
        var labels = new Option<FileInfo?>("--labels") { Description = "Text file of class labels, one per line (as many as the policy's numClasses; default: COCO names for 80 classes, else class0, class1, ...)." };
        var scoreThreshold = new Option<int?>("--score-threshold") { Description = "Default score threshold of the detector in per mille, 0..1000, on the class probability before NMS (metadata and DETC tables; default 50, AQD's evaluation threshold)." };
        var cmd = new Command("pack-aqd", "Pack an AQD checkpoint (ResNet-18/34/50 + FPN + FCOS/RetinaNet with multi-level BN, M{b}F8L8) into a model blob with packed 2/3/4/8-bit weights and activations.")
        {
            model, policy, outOption, calibrate, name, labels, scoreThreshold,
        };
        cmd.SetAction(parse =>
        {
            var src = parse.GetValue(model)!;
            var dst = parse.GetValue(outOption)!;
            try
            {
                if (parse.GetValue(scoreThreshold) is < 0 or > 1000)
                {
                    error.WriteLine($"pack-model pack-aqd: --score-threshold must be in 0..1000 (per mille), got {parse.GetValue(scoreThreshold)}.");
                    return PackModelCli.IoError;
                }
                string[]? labelLines = parse.GetValue(labels) is { } lf
                    ? [.. File.ReadAllLines(lf.FullName).Select(l => l.Trim()).Where(l => l.Length > 0)]
                    : null;
                var net = AqdCheckpointImporter.Import(src.FullName, parse.GetValue(policy)!.FullName, parse.GetValue(calibrate)?.FullName);
                var blob = AqdBlobWriter.Write(net, parse.GetValue(name), labelLines, scoreThresholdPermille: parse.GetValue(scoreThreshold));
                File.WriteAllBytes(dst.FullName, blob);
                output.WriteLine($"{dst.Name}: {blob.Length} bytes, {net.Options.ModelName}, {net.Nodes.Count} ops, {net.Macs / 1e6:F1} M MACs (from {src.Name})");
                return PackModelCli.Ok;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"pack-model pack-aqd: {e.Message}");
                return PackModelCli.IoError;
            }
            catch (Exception e) when (e is PthFormatException or AqdCheckpointException or FormatException or ArgumentException
                or System.Text.Json.JsonException or InvalidOperationException or AQD.Edge.Onnx.Import.OnnxImportException)
            {
                error.WriteLine($"pack-model pack-aqd: {e.Message}");
                return PackModelCli.ImportError;
            }
        });
        return cmd;
    }
}
