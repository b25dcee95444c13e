namespace AQD.Edge.Model.Metadata;

/// <summary>
/// The schema rules of <see cref="ModelMetadata"/> beyond JSON shape (docs/blob-format.md,
/// "Metadata"). The writer runs them before writing, the reader after parsing; each violation names
/// its JSON path.
/// </summary>
public static class ModelMetadataValidator
{
    public const int SchemaVersion = 1;
    public const int MaxTextLength = 256;
    public const int MaxLabels = 100_000;
    public const int MaxImageSide = 16_384;
    public const int MaxLayers = 100_000;

    private static readonly string[] ColorOrders = ["RGB", "BGR", "GRAY"];
    private static readonly string[] ResizeModes = ["stretch", "letterbox", "center-crop"];
    private static readonly string[] Families = ["none", "classifier", "featurizer", "nanodet", "fcos", "retinanet"];
    private static readonly string[] Formats = ["onnx", "pytorch", "synthetic"];
    private static readonly int[] WeightBitSet = [2, 3, 4, 8, 32];
    private static readonly int[] ActivationBitSet = [2, 3, 4, 8, 16, 32];

    /// <exception cref="ModelMetadataException">The first rule broken, with its JSON path.</exception>
    public static void Validate(ModelMetadata m)
    {
        ArgumentNullException.ThrowIfNull(m);
        Check(m.SchemaVersion == SchemaVersion, "$.schemaVersion", $"schema version {m.SchemaVersion} is not supported (this reader knows {SchemaVersion}).");
        Text(m.Name, "$.name");
        if (m.Description is not null)
        {
            Check(m.Description.Length <= 4096, "$.description", "longer than 4096 characters.");
        }
        Check(m.Labels.Count <= MaxLabels, "$.labels", $"{m.Labels.Count} labels exceed the limit of {MaxLabels}.");
        for (int i = 0; i < m.Labels.Count; i++)
        {
            Text(m.Labels[i], $"$.labels[{i}]");
        }

        var input = m.Input;
        Range(input.Width, 1, MaxImageSide, "$.input.width");
        Range(input.Height, 1, MaxImageSide, "$.input.height");
        Check(input.Channels is 1 or 3, "$.input.channels", $"{input.Channels} channels; 1 or 3 are supported.");
        OneOf(input.Layout, ["NHWC"], "$.input.layout");

        var pre = m.Preprocessing;
        OneOf(pre.ColorOrder, ColorOrders, "$.preprocessing.colorOrder");
        Check((pre.ColorOrder == "GRAY") == (input.Channels == 1), "$.preprocessing.colorOrder",
            $"'{pre.ColorOrder}' does not fit an input of {input.Channels} channels.");
        OneOf(pre.Resize, ResizeModes, "$.preprocessing.resize");
        if (pre.Resize == "letterbox")
        {
            Check(pre.PadValue is not null, "$.preprocessing.padValue", "required for resize 'letterbox'.");
            PerChannel(pre.PadValue!, input.Channels, 0, 255, "$.preprocessing.padValue");
        }
        else
        {
            Check(pre.PadValue is null, "$.preprocessing.padValue", $"only allowed for resize 'letterbox', not '{pre.Resize}'.");
        }
        PerChannel(pre.MeanMilli, input.Channels, 0, 255_000, "$.preprocessing.meanMilli");
        PerChannel(pre.StdMilli, input.Channels, 1, 1_000_000, "$.preprocessing.stdMilli");

        ValidateDetector(m.Detector, m.Labels.Count);

        var bits = m.BitPolicy;
        if (bits.Shorthand is not null)
        {
            Check(IsShorthand(bits.Shorthand), "$.bitPolicy.shorthand",
                $"'{bits.Shorthand}' is not of the form M{{b}}F{{b}}L{{b}} with b in 2, 3, 4, 8 (e.g. M4F8L8).");
            Check(bits.WeightBits == bits.Shorthand[1] - '0', "$.bitPolicy.weightBits",
                $"{bits.WeightBits} differs from the middle-layer bits of '{bits.Shorthand}'.");
        }
        OneOf(bits.WeightBits, WeightBitSet, "$.bitPolicy.weightBits");
        OneOf(bits.ActivationBits, ActivationBitSet, "$.bitPolicy.activationBits");
        if (bits.Layers is not null)
        {
            Check(bits.Layers.Count <= MaxLayers, "$.bitPolicy.layers", $"{bits.Layers.Count} layers exceed the limit of {MaxLayers}.");
            for (int i = 0; i < bits.Layers.Count; i++)
            {
                Check(bits.Layers[i] is not null, $"$.bitPolicy.layers[{i}]", "must be an object, not null.");
                Text(bits.Layers[i].Name, $"$.bitPolicy.layers[{i}].name");
                OneOf(bits.Layers[i].WeightBits, WeightBitSet, $"$.bitPolicy.layers[{i}].weightBits");
                OneOf(bits.Layers[i].ActivationBits, ActivationBitSet, $"$.bitPolicy.layers[{i}].activationBits");
            }
        }

        Text(m.Source.FileName, "$.source.fileName");
        OneOf(m.Source.Format, Formats, "$.source.format");
        Check(m.Source.Sha256.Length == 64 && m.Source.Sha256.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'),
            "$.source.sha256", "must be 64 lowercase hex digits.");
        Text(m.Tool.Name, "$.tool.name");
        Text(m.Tool.Version, "$.tool.version");
    }

    private static void ValidateDetector(DetectorSpec d, int labels)
    {
        OneOf(d.Family, Families, "$.detector.family");
        bool isDetector = d.Family is "nanodet" or "fcos" or "retinanet";
        if (d.Family is "none" or "featurizer")
        {
            Check(d.NumClasses == 0, "$.detector.numClasses", $"must be 0 for family '{d.Family}'.");
        }
        else
        {
            Range(d.NumClasses, 1, MaxLabels, "$.detector.numClasses");
            Check(labels == 0 || labels == d.NumClasses, "$.detector.numClasses", $"{d.NumClasses} classes but {labels} labels.");
        }
        if (isDetector)
        {
            Check(d.Strides is { Count: > 0 and <= 8 }, "$.detector.strides", $"1 to 8 strides are required for family '{d.Family}'.");
            for (int i = 0; i < d.Strides!.Count; i++)
            {
                int s = d.Strides[i];
                Check(s is > 0 and <= 1024 && (s & (s - 1)) == 0 && (i == 0 || s > d.Strides[i - 1]), $"$.detector.strides[{i}]",
                    $"stride {s} must be a power of two in [1, 1024], increasing.");
            }
            Check(d.ScoreThresholdPermille is not null, "$.detector.scoreThresholdPermille", "required for detectors.");
            Range(d.ScoreThresholdPermille!.Value, 0, 1000, "$.detector.scoreThresholdPermille");
            Check(d.IouThresholdPermille is not null, "$.detector.iouThresholdPermille", "required for detectors.");
            Range(d.IouThresholdPermille!.Value, 1, 1000, "$.detector.iouThresholdPermille");
            Check(d.MaxDetections is not null, "$.detector.maxDetections", "required for detectors.");
            Range(d.MaxDetections!.Value, 1, 10_000, "$.detector.maxDetections");
        }
        else
        {
            Check(d.Strides is null && d.ScoreThresholdPermille is null && d.IouThresholdPermille is null && d.MaxDetections is null,
                "$.detector", $"decode parameters are only allowed for detector families, not '{d.Family}'.");
        }
        if (d.Family == "nanodet")
        {
            Check(d.RegMax is not null, "$.detector.regMax", "required for family 'nanodet'.");
            Range(d.RegMax!.Value, 1, 64, "$.detector.regMax");
        }
        else
        {
            Check(d.RegMax is null, "$.detector.regMax", $"only allowed for family 'nanodet', not '{d.Family}'.");
        }
        bool anchors = d.AnchorSizes is not null || d.AnchorRatiosPermille is not null || d.AnchorScalesPermille is not null;
        if (d.Family == "retinanet")
        {
            Check(d.AnchorSizes is not null && d.AnchorSizes.Count == d.Strides!.Count, "$.detector.anchorSizes", "one anchor size per stride is required for 'retinanet'.");
            Check(d.AnchorRatiosPermille is { Count: > 0 and <= 16 }, "$.detector.anchorRatiosPermille", "1 to 16 ratios are required for 'retinanet'.");
            Check(d.AnchorScalesPermille is { Count: > 0 and <= 16 }, "$.detector.anchorScalesPermille", "1 to 16 scales are required for 'retinanet'.");
            PerChannel(d.AnchorSizes!, d.AnchorSizes!.Count, 1, 4096, "$.detector.anchorSizes");
            PerChannel(d.AnchorRatiosPermille!, d.AnchorRatiosPermille!.Count, 1, 100_000, "$.detector.anchorRatiosPermille");
            PerChannel(d.AnchorScalesPermille!, d.AnchorScalesPermille!.Count, 1, 100_000, "$.detector.anchorScalesPermille");
        }
        else
        {
            Check(!anchors, "$.detector", $"anchor parameters are only allowed for family 'retinanet', not '{d.Family}'.");
        }
    }

    private static bool IsShorthand(string s)
        => s.Length == 6 && s[0] == 'M' && s[2] == 'F' && s[4] == 'L' && IsBits(s[1]) && IsBits(s[3]) && IsBits(s[5]);

    private static bool IsBits(char c) => c is '2' or '3' or '4' or '8';

    private static void Check(bool ok, string path, string problem)
    {
        if (!ok)
        {
            throw new ModelMetadataException(path, 0, problem);
        }
    }

    // Nullable parameter: System.Text.Json does not enforce the nullability of collection elements.
    private static void Text(string? value, string path)
        => Check(value is { Length: > 0 and <= MaxTextLength } && !value.Any(char.IsControl), path,
            $"must be a string of 1..{MaxTextLength} characters without control characters.");

    private static void Range(int value, int min, int max, string path)
        => Check(value >= min && value <= max, path, $"{value} is outside [{min}, {max}].");

    private static void OneOf(string value, string[] allowed, string path)
        => Check(Array.IndexOf(allowed, value) >= 0, path, $"'{value}' is not one of {string.Join(", ", allowed)}.");

    private static void OneOf(int value, int[] allowed, string path)
        => Check(Array.IndexOf(allowed, value) >= 0, path, $"{value} is not one of {string.Join(", ", allowed)}.");

    private static void PerChannel(IReadOnlyList<int> values, int count, int min, int max, string path)
    {
        Check(values.Count == count, path, $"{values.Count} values; {count} expected.");
        for (int i = 0; i < values.Count; i++)
        {
            Range(values[i], min, max, $"{path}[{i}]");
        }
    }
}
