using System.CommandLine;
using AQD.Edge.Model.Container;
using AQD.Edge.Onnx.Import;

namespace AQD.Edge.PackModel;

/// <summary>
/// The pack-model command tree. <see cref="Run"/> is what Program calls; tests call it in-process
/// with their own writers. Exit codes: 0 ok, 1 usage or I/O error, 2 invalid blob, 3 model not importable.
/// </summary>
public static class PackModelCli
{
    public const int Ok = 0, IoError = 1, BadBlob = 2, ImportError = 3;

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
        var cmd = new Command("pack", "Pack an already-quantized ONNX model (QLinearConv, or QDQ: DequantizeLinear -> Conv -> [Relu] -> QuantizeLinear, MaxPool, GlobalAveragePool, Add) into a model blob.")
        {
            model, outOption, name, labels,
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
                var result = QuantizedOnnxPacker.Pack(onnx, new PackOptions
                {
                    Name = parse.GetValue(name),
                    Labels = labelLines,
                    SourceFileName = src.Name,
                });
                foreach (var note in result.Notes)
                {
                    error.WriteLine($"note: {note}");
                }
                File.WriteAllBytes(dst.FullName, result.Blob);
                output.WriteLine($"{dst}: {result.OpCount} ops, {result.Blob.Length} bytes");
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
            catch (IOException e)
            {
                error.WriteLine($"pack-model pack: cannot write {dst}: {e.Message}");
                return IoError;
            }
        });
        return cmd;
    }
}
