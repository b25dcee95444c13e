using System.Security.Cryptography;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;
using AQD.Edge.Onnx.Protobuf;

namespace AQD.Edge.Onnx.Import;

/// <summary>Options of <see cref="QuantizedOnnxPacker.Pack"/>.</summary>
public sealed record PackOptions
{
    /// <summary>Model name in the metadata (default: the source file name without extension).</summary>
    public string? Name { get; init; }

    /// <summary>Class labels (then the detector family is "classifier" unless <see cref="Detector"/> says otherwise).</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>
    /// Detector family and decode parameters for the metadata (e.g. family "nanodet", strides [8, 16, 32],
    /// regMax, thresholds); NumClasses is taken from the labels when 0. Null: "classifier" with labels,
    /// else "none".
    /// </summary>
    public DetectorSpec? Detector { get; init; }

    /// <summary>Source file name recorded in the metadata.</summary>
    public string SourceFileName { get; init; } = "model.onnx";

    public string ToolVersion { get; init; } = "0.3.0";
}

/// <summary>The packed blob and what the packer wants the user to know (folded Q/DQ at the edges...).</summary>
public sealed record PackResult(byte[] Blob, int OpCount, IReadOnlyList<string> Notes);

/// <summary>
/// pack-model's library side for already-quantized ONNX models (QLinearConv and QDQ forms): ONNX
/// bytes in, a validated model blob out (docs/blob-format.md). The blob is re-read with
/// <see cref="BlobReader"/> and <see cref="GraphReader"/> before it is returned.
/// </summary>
public static class QuantizedOnnxPacker
{
    /// <exception cref="OnnxImportException">Unsupported nodes (all listed), bad scales, shapes or weights.</exception>
    public static PackResult Pack(byte[] onnx, PackOptions options)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(options);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new OnnxImportException($"{options.SourceFileName}: not an ONNX model ({e.Message}).");
        }
        var writer = new BlobWriter();
        var builder = new GraphBuilder(writer);
        var importer = new QuantizedOnnxImporter(model, builder);
        importer.Import();
        // Detector facts from metadata_props (AQD's QDQ export convention) unless the caller gives them.
        if (options.Detector is null && OnnxMetadataProps.Detector(model) is { } detector)
        {
            options = options with { Detector = detector };
            importer.Notes.Add($"detector '{detector.Family}' (strides {string.Join(", ", detector.Strides ?? [])}) from the model's metadata_props.");
        }
        return Finish(writer, builder, importer.Input!, options, onnx, null, null, importer.Notes,
            OnnxMetadataProps.ColorOrderOf(model), OnnxMetadataProps.Policy(model));
    }

    /// <summary>Writes the metadata (shared by the quantized and float packers), re-reads and returns the blob.</summary>
    internal static PackResult Finish(BlobWriter writer, GraphBuilder builder, QTensor input, PackOptions options, byte[] onnx,
        int[]? meanMilli, int[]? stdMilli, IReadOnlyList<string> notes, string? colorOrder = null, BitPolicySpec? bitPolicy = null)
    {
        if (input.Channels is not (1 or 3))
        {
            throw new OnnxImportException($"graph input has {input.Channels} channels; the model metadata describes an image input (1 or 3 channels).");
        }
        builder.Finish();
        var labels = options.Labels ?? [];
        writer.AddMetadata(new ModelMetadata
        {
            SchemaVersion = 1,
            Name = options.Name ?? Path.GetFileNameWithoutExtension(options.SourceFileName),
            Labels = labels,
            Input = new InputSpec { Width = input.Width, Height = input.Height, Channels = input.Channels, Layout = "NHWC" },
            Preprocessing = new PreprocessingSpec
            {
                ColorOrder = colorOrder ?? (input.Channels == 1 ? "GRAY" : "RGB"),
                Resize = "stretch",
                MeanMilli = meanMilli ?? [.. Enumerable.Repeat(0, input.Channels)],
                StdMilli = stdMilli ?? [.. Enumerable.Repeat(1000, input.Channels)],
            },
            Detector = options.Detector is { } d
                ? new DetectorSpec
                {
                    Family = d.Family,
                    NumClasses = d.NumClasses == 0 ? labels.Count : d.NumClasses,
                    Strides = d.Strides,
                    RegMax = d.RegMax,
                    ScoreThresholdPermille = d.ScoreThresholdPermille,
                    IouThresholdPermille = d.IouThresholdPermille,
                    MaxDetections = d.MaxDetections,
                    AnchorSizes = d.AnchorSizes,
                    AnchorRatiosPermille = d.AnchorRatiosPermille,
                    AnchorScalesPermille = d.AnchorScalesPermille,
                }
                : new DetectorSpec { Family = labels.Count > 0 ? "classifier" : "none", NumClasses = labels.Count },
            BitPolicy = bitPolicy ?? new BitPolicySpec { WeightBits = 8, ActivationBits = 8 },
            Source = new SourceSpec
            {
                FileName = Path.GetFileName(options.SourceFileName),
                Format = "onnx",
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx)),
            },
            Tool = new ToolSpec { Name = "pack-model", Version = options.ToolVersion },
        });
        var blob = writer.ToArray();
        var graph = GraphReader.Read(BlobReader.Open(blob, options.SourceFileName));
        return new PackResult(blob, graph.Ops.Count, notes);
    }
}
