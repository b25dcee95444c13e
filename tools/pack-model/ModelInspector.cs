using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.PackModel;

/// <summary>What `pack-model inspect` prints: container, sections, metadata, ops in execution order, totals.</summary>
public sealed record InspectReport(
    string File, long Bytes, string Version, IReadOnlyList<SectionInfo> Sections, ModelMetadata Metadata,
    IReadOnlyList<TensorInfo> Inputs, IReadOnlyList<TensorInfo> Outputs, IReadOnlyList<OpInfo> Ops,
    long TotalMacs, long TotalWeightBytes, long TotalParameterBytes);

public sealed record SectionInfo(int Index, string Kind, string? Name, long Offset, long Length, int Alignment, string Crc32C, bool CrcOk);

public sealed record TensorInfo(int Id, string? Name, string Shape, string Format, string Scale);

public sealed record OpInfo(int Step, int Index, string Type, string? Name, IReadOnlyList<TensorInfo> Inputs, IReadOnlyList<TensorInfo> Outputs,
    string? Window, int Groups, string? WeightFormat, int WeightBits, long WeightBytes, long Macs);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InspectReport))]
internal sealed partial class InspectJsonContext : JsonSerializerContext;

/// <summary>Builds an <see cref="InspectReport"/> from a blob (fully validated by <see cref="BlobReader"/> and <see cref="GraphReader"/>).</summary>
public static class ModelInspector
{
    /// <exception cref="BlobFormatException">The blob is invalid (the message names file, section, field and offset).</exception>
    public static InspectReport Inspect(ReadOnlyMemory<byte> blob, string sourceName)
    {
        var reader = BlobReader.Open(blob, sourceName);
        var sections = reader.Sections.Select(s => new SectionInfo(s.Index, s.Kind.ToString(), s.Name, s.Offset, s.Length, s.Alignment,
            s.Crc32C.ToString("x8"), BlobFormat.Crc32C(s.Payload.Span) == s.Crc32C)).ToList();
        var ops = new List<OpInfo>();
        IReadOnlyList<TensorInfo> inputs = [], outputs = [];
        long macs = 0, weightBytes = 0;
        if (reader.Find(SectionKind.Graph) is not null)
        {
            var g = GraphReader.Read(reader);
            TensorInfo T(int id)
            {
                var t = g.Tensors[id];
                return new TensorInfo(id, t.Name, $"{t.Height}x{t.Width}x{t.Channels}", t.Format.ToString(),
                    BitConverter.UInt32BitsToSingle(t.ScaleBits).ToString("G6", System.Globalization.CultureInfo.InvariantCulture));
            }
            inputs = [.. g.Inputs.Select(T)];
            outputs = [.. g.Outputs.Select(T)];
            int step = 0;
            foreach (int i in g.ExecutionOrder)
            {
                var op = g.Ops[i];
                var a = op.Attributes;
                long opMacs = 0;
                if (op.Type is GraphOpType.Conv2D or GraphOpType.DepthwiseConv2D)
                {
                    var x = g.Tensors[op.Inputs[0]];
                    var y = g.Tensors[op.Outputs[0]];
                    opMacs = a.Conv(x.Height, x.Width, x.Channels, y.Channels, (int)a.Groups).Macs;
                }
                bool window = op.Type is GraphOpType.Conv2D or GraphOpType.DepthwiseConv2D or GraphOpType.MaxPool;
                var w = op.Record.Weights;
                ops.Add(new OpInfo(step++, i, op.Type.ToString(), op.Record.Name, [.. op.Inputs.Select(T)], [.. op.Outputs.Select(T)],
                    window ? $"k{a.KernelH}x{a.KernelW} s{a.StrideH}x{a.StrideW} p{a.PadTop},{a.PadLeft},{a.PadBottom},{a.PadRight}" : null,
                    (int)a.Groups, w?.Format.ToString(), w?.Format.Bits ?? 0, op.Weights.Length, opMacs));
                macs += opMacs;
                weightBytes += op.Weights.Length;
            }
        }
        long prms = reader.All(SectionKind.Parameters).Sum(s => (long)s.Length);
        return new InspectReport(sourceName, blob.Length, $"{reader.MajorVersion}.{reader.MinorVersion}", sections, reader.Metadata,
            inputs, outputs, ops, macs, weightBytes, prms);
    }

    public static string ToJson(InspectReport report) => JsonSerializer.Serialize(report, InspectJsonContext.Default.InspectReport);

    public static string ToText(InspectReport r)
    {
        var sb = new StringBuilder();
        var m = r.Metadata;
        sb.AppendLine($"{r.File}: AQD.Edge model blob {r.Version}, {r.Bytes} bytes");
        sb.AppendLine($"model '{m.Name}': input {m.Input.Height}x{m.Input.Width}x{m.Input.Channels} (HxWxC, {m.Input.Layout}), {m.Preprocessing.ColorOrder}, " +
                      $"detector {m.Detector.Family}, {m.Labels.Count} labels, bits W{m.BitPolicy.WeightBits}/A{m.BitPolicy.ActivationBits}" +
                      (m.BitPolicy.Shorthand is { } sh ? $" ({sh})" : ""));
        sb.AppendLine($"source {m.Source.FileName} ({m.Source.Format}, sha256 {m.Source.Sha256[..16]}...), written by {m.Tool.Name} {m.Tool.Version}");
        sb.AppendLine();
        sb.AppendLine("sections:");
        sb.AppendLine($"  {"#",3} {"kind",-4} {"offset",10} {"length",10} {"align",6} {"crc32c",8} {"ok",-3} name");
        foreach (var s in r.Sections)
        {
            sb.AppendLine($"  {s.Index,3} {s.Kind,-4} {s.Offset,10} {s.Length,10} {s.Alignment,6} {s.Crc32C,8} {(s.CrcOk ? "ok" : "BAD"),-3} {s.Name}");
        }
        if (r.Ops.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"inputs:  {string.Join(", ", r.Inputs.Select(Describe))}");
            sb.AppendLine($"outputs: {string.Join(", ", r.Outputs.Select(Describe))}");
            sb.AppendLine();
            sb.AppendLine("ops (execution order):");
            sb.AppendLine($"  {"step",4} {"type",-18} {"input -> output",-40} {"window",-20} {"weights",-12} {"w bytes",9} {"MACs",12}  name");
            foreach (var o in r.Ops)
            {
                string io = $"{string.Join(" + ", o.Inputs.Select(t => $"{t.Shape} {t.Format}"))} -> {string.Join(", ", o.Outputs.Select(t => $"{t.Shape} {t.Format}"))}";
                string wf = o.WeightFormat is null ? "" : o.Groups > 1 ? $"{o.WeightFormat} g{o.Groups}" : o.WeightFormat;
                sb.AppendLine($"  {o.Step,4} {o.Type,-18} {io,-40} {o.Window ?? "",-20} {wf,-12} {o.WeightBytes,9} {o.Macs,12}  {o.Name}");
            }
        }
        sb.AppendLine();
        sb.AppendLine($"total: {r.Ops.Count} ops, {r.TotalMacs} MACs ({r.TotalMacs / 1e6:F2} M), weights {r.TotalWeightBytes} bytes, " +
                      $"parameters {r.TotalParameterBytes} bytes, blob {r.Bytes} bytes");
        return sb.ToString();
    }

    private static string Describe(TensorInfo t) => $"'{t.Name}' {t.Shape} {t.Format} scale {t.Scale}";
}
