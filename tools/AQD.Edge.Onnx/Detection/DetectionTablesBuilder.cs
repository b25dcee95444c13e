using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Detection;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;
using AQD.Edge.Onnx.Import;

namespace AQD.Edge.Onnx.Detection;

/// <summary>
/// Computes a detector's DETC section (integer decode tables) from its packed graph (output
/// formats and real scales) and metadata, and rewrites a blob with it. Outputs are matched to
/// roles by channel count (classes x anchors, 4 x (regMax + 1) / 4 x anchors / 4, 1 for
/// centerness) and to levels by cell count ((input / stride) rounded up, per side).
/// </summary>
public static class DetectionTablesBuilder
{
    /// <summary>The detector spec the metadata gets for these options.</summary>
    public static DetectorSpec Spec(DetectionBuildOptions o, int numClasses) => new()
    {
        Family = o.Family,
        NumClasses = numClasses,
        Strides = o.Strides,
        RegMax = o.Family == "nanodet" ? o.RegMax : null,
        ScoreThresholdPermille = o.ScoreThresholdPermille,
        IouThresholdPermille = o.IouThresholdPermille,
        MaxDetections = o.MaxDetections,
        AnchorSizes = o.Family == "retinanet" ? AnchorSizes(o) : null,
        AnchorRatiosPermille = o.Family == "retinanet" ? o.AnchorRatiosPermille : null,
        AnchorScalesPermille = o.Family == "retinanet" ? o.AnchorScalesPermille : null,
    };

    /// <summary>Builds the tables for a packed blob (its graph and metadata).</summary>
    /// <exception cref="OnnxImportException">Outputs that do not fit the options (listed), a bad input quantization.</exception>
    public static DetectionParams Build(BlobReader blob, DetectionBuildOptions o, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(o);
        var family = o.Family switch
        {
            "nanodet" => DetectionFamily.Gfl,
            "fcos" => DetectionFamily.Fcos,
            "retinanet" => DetectionFamily.RetinaNet,
            _ => throw new OnnxImportException($"detector family '{o.Family}': expected nanodet, fcos or retinanet."),
        };
        if (numClasses < 1)
        {
            throw new OnnxImportException("a detector needs class labels (--labels) or a class count.");
        }
        var graph = GraphReader.Read(blob);
        var input = graph.Tensors[graph.Inputs[0]];
        int anchors = family == DetectionFamily.RetinaNet ? o.AnchorRatiosPermille.Count * o.AnchorScalesPermille.Count : 1;
        int boxChannels = family switch
        {
            DetectionFamily.Gfl => 4 * (o.RegMax + 1),
            DetectionFamily.Fcos => 4,
            _ => 4 * anchors,
        };
        bool logits = o.ClassLogits ?? family != DetectionFamily.Gfl;
        int offsetPermille = o.CenterOffsetPermille ?? (family == DetectionFamily.RetinaNet ? 0 : 500);
        var sizes = family == DetectionFamily.RetinaNet ? AnchorSizes(o) : null;
        Func<double, double> scoreFunction = logits ? DetectionTablePreparation.Sigmoid : x => x;
        var levels = new List<DetectionLevel>();
        var used = new HashSet<int>();
        if (o.AnchorScales is { } scales && (scales.Count != o.AnchorScalesPermille.Count || scales.Any(v => !(v > 0 && v < 1000))))
        {
            throw new OnnxImportException($"{scales.Count} exact anchor scales for {o.AnchorScalesPermille.Count} per-mille scales (each in (0, 1000)).");
        }
        if (o.LevelOutputs is { } given && given.Count != o.Strides.Count)
        {
            throw new OnnxImportException($"{given.Count} levels of output indices for {o.Strides.Count} strides.");
        }
        for (int li = 0; li < o.Strides.Count; li++)
        {
            int s = o.Strides[li];
            int gw = (input.Width + s - 1) / s, gh = (input.Height + s - 1) / s;
            int cls, box, ctr;
            if (o.LevelOutputs is { } roles)
            {
                cls = Given(graph, roles[li].Class, gw * gh, anchors * numClasses, "class scores", s, used);
                box = Given(graph, roles[li].Box, gw * gh, boxChannels, "box", s, used);
                ctr = family == DetectionFamily.Fcos ? Given(graph, roles[li].Centerness, gw * gh, 1, "centerness", s, used) : -1;
            }
            else
            {
                cls = Find(graph, gw * gh, anchors * numClasses, "class scores", s, used);
                box = Find(graph, gw * gh, boxChannels, "box", s, used);
                ctr = family == DetectionFamily.Fcos ? Find(graph, gw * gh, 1, "centerness", s, used) : -1;
            }
            var (clsT, clsScale) = Output(graph, cls);
            var (boxT, boxScale) = Output(graph, box);
            var cs = clsT.Format.Storage;
            bool bs = boxT.Format.Storage == ActivationStorage.Int8;
            if (boxT.Format.Storage == ActivationStorage.Int16)
            {
                throw new OnnxImportException($"output {box} ('{boxT.Name}'): int16 box outputs are not supported (uint8 / int8).");
            }
            int scoreMultiplier = 0, scoreShift = 0;
            if (cs == ActivationStorage.Int16)
            {
                if (logits || clsT.Format.ZeroPoint != 0)
                {
                    throw new OnnxImportException($"output {cls} ('{clsT.Name}'): int16 class scores must be probabilities (after the graph's sigmoid) with zero point 0.");
                }
                (scoreMultiplier, scoreShift) = DetectionTablePreparation.LinearScore(clsScale);
            }
            int[]? ctrTable = null;
            bool ctrSigned = false;
            if (ctr >= 0)
            {
                var (ctrT, ctrScale) = Output(graph, ctr);
                ctrSigned = ctrT.Format.Storage == ActivationStorage.Int8;
                ctrTable = DetectionTablePreparation.ScoreSigmoid(ctrScale, ctrT.Format.ZeroPoint, ctrSigned);
            }
            int[]? anchorPairs = null;
            if (sizes is not null)
            {
                anchorPairs = new int[2 * anchors];
                int nr = o.AnchorRatiosPermille.Count, nc = o.AnchorScalesPermille.Count;
                for (int a = 0; a < anchors; a++)
                {
                    // ratios outer (torchvision) or scales outer (detectron2)
                    int r = o.AnchorRatiosPermille[o.AnchorScalesOuter ? a % nr : a / nc];
                    int c = o.AnchorScalesOuter ? a / nr : a % nc;
                    double side = sizes[li] * (o.AnchorScales is { } exact ? exact[c] : o.AnchorScalesPermille[c] / 1000.0), ratio = Math.Sqrt(r / 1000.0);
                    anchorPairs[2 * a] = (int)Math.Round(side / ratio * DetectionFixedPoint.OnePixel);
                    anchorPairs[2 * a + 1] = (int)Math.Round(side * ratio * DetectionFixedPoint.OnePixel);
                }
            }
            levels.Add(new DetectionLevel
            {
                Stride = s, GridWidth = gw, GridHeight = gh,
                ClassOutput = cls, BoxOutput = box, CenternessOutput = ctr,
                ClassStorage = cs, BoxSigned = bs, CenternessSigned = ctrSigned,
                ClassThreshold = DetectionTablePreparation.ClassThreshold(scoreFunction, clsScale, clsT.Format.ZeroPoint, cs, o.ScoreThresholdPermille),
                ScoreTable = cs == ActivationStorage.Int16 ? null : DetectionTablePreparation.Score(scoreFunction, clsScale, clsT.Format.ZeroPoint, cs == ActivationStorage.Int8),
                ScoreMultiplier = scoreMultiplier, ScoreShift = scoreShift,
                BoxTable = family switch
                {
                    DetectionFamily.Gfl => DetectionTablePreparation.GflExp(boxScale),
                    DetectionFamily.Fcos => DetectionTablePreparation.FcosDistance(boxScale, boxT.Format.ZeroPoint, bs, s, o.FcosExponential),
                    _ => DetectionTablePreparation.RetinaDelta(boxScale, boxT.Format.ZeroPoint, bs),
                },
                BoxExpTable = family == DetectionFamily.RetinaNet ? DetectionTablePreparation.RetinaExp(boxScale, boxT.Format.ZeroPoint, bs) : null,
                CenternessTable = ctrTable,
                CenterOffsetQ8 = (int)((long)s * DetectionFixedPoint.OnePixel * offsetPermille / 1000),
                Anchors = anchorPairs,
            });
        }
        var (source, tables) = InputTables(blob.Metadata, input);
        var p = new DetectionParams
        {
            Family = family, NumClasses = numClasses, InputWidth = input.Width, InputHeight = input.Height,
            RegMax = family == DetectionFamily.Gfl ? o.RegMax : 0, AnchorsPerCell = anchors,
            ScoreThresholdPermille = o.ScoreThresholdPermille, IouThresholdPermille = o.IouThresholdPermille,
            MaxDetections = o.MaxDetections, TopKPerClass = o.TopKPerClass,
            Levels = levels, InputSource = source, InputTables = tables,
        };
        try
        {
            p.Validate();
        }
        catch (ArgumentException e)
        {
            throw new OnnxImportException($"detection tables: {e.Message}");
        }
        return p;
    }

    /// <summary>
    /// The blob rewritten with the detector's metadata (from <paramref name="options"/>, or the blob's own
    /// detector metadata when null) and a DETC section: every section is copied in
    /// order (so graph section indices and string indices stay valid), META is replaced, DETC is added
    /// before the string table; the result is re-read and validated.
    /// </summary>
    public static byte[] AddTo(byte[] blob, string sourceName, DetectionBuildOptions? options = null)
    {
        var reader = BlobReader.Open(blob, sourceName);
        var o = options ?? DetectionBuildOptions.FromMetadata(reader.Metadata.Detector);
        if (reader.Find(SectionKind.Detection) is not null)
        {
            throw new OnnxImportException($"{sourceName} already has a DETC section.");
        }
        int numClasses = reader.Metadata.Labels.Count;
        var tables = Build(reader, o, numClasses);
        var old = reader.Metadata;
        var meta = new ModelMetadata
        {
            SchemaVersion = old.SchemaVersion, Name = old.Name, Description = old.Description, Labels = old.Labels,
            Input = old.Input, Preprocessing = old.Preprocessing, Detector = Spec(o, numClasses), BitPolicy = old.BitPolicy,
            Source = old.Source, Tool = old.Tool,
        };
        var writer = new BlobWriter();
        for (int i = 0; i < reader.Strings.Count; i++)
        {
            writer.AddString(reader.Strings[i]);
        }
        foreach (var s in reader.Sections)
        {
            if (s.Kind == SectionKind.Strings)
            {
                if (s.Index != reader.Sections.Count - 1)
                {
                    throw new OnnxImportException($"{sourceName}: the string table is not the last section; cannot add DETC without renumbering.");
                }
                continue;
            }
            if (s.Kind == SectionKind.Metadata)
            {
                writer.AddSection(SectionKind.Metadata, ModelMetadataJson.Serialize(meta), s.Name, s.Alignment, s.Flags);
                continue;
            }
            writer.AddSection(s.Kind, s.Payload.Span, s.Name, s.Alignment, s.Flags);
        }
        ModelMetadataValidator.Validate(meta);
        writer.AddSection(SectionKind.Detection, DetectionSection.Write(tables));
        var result = writer.ToArray();
        var check = BlobReader.Open(result, sourceName);
        GraphReader.Read(check);
        return result;
    }

    /// <summary>Per network channel: the pixel channel it takes and the pixel -> input byte table.</summary>
    public static (int[] Source, int[][] Tables) InputTables(ModelMetadata meta, GraphTensor input)
    {
        int c = input.Channels;
        var pre = meta.Preprocessing;
        int[] source = c == 1 ? [0] : pre.ColorOrder == "BGR" ? [2, 1, 0] : [0, 1, 2];
        double scale = BitConverter.UInt32BitsToSingle(input.ScaleBits);
        var norm = new InputNormalization([.. pre.MeanMilli.Select(m => m / 1000f)], [.. pre.StdMilli.Select(s => s / 1000f)], pre.ColorOrder == "BGR");
        if (norm.Scale == (float)scale && norm.ZeroPoint == input.Format.ZeroPoint)
        {
            return (source, DetectionTablePreparation.InputTables([.. norm.Mean.Select(m => (double)m)], [.. norm.Std.Select(s => (double)s)], norm.Scale, norm.ZeroPoint));
        }
        if (scale == 1 && input.Format.ZeroPoint == 0 && input.Format.Storage == ActivationStorage.UInt8)
        {
            // the normalization is folded into the first layer: the input is the 8-bit pixel itself
            return (source, [.. Enumerable.Range(0, c).Select(_ => Enumerable.Range(0, 256).ToArray())]);
        }
        throw new OnnxImportException($"the blob input's quantization (scale {scale}, zero point {input.Format.ZeroPoint}) is neither the metadata's normalization " +
            $"(scale {norm.Scale}, zero point {norm.ZeroPoint}) nor raw pixels (scale 1, zero point 0).");
    }

    private static int[] AnchorSizes(DetectionBuildOptions o) => [.. o.AnchorSizes ?? o.Strides.Select(s => 4 * s)];

    private static (GraphTensor Tensor, double Scale) Output(ModelGraph g, int index)
    {
        var t = g.Tensors[g.Outputs[index]];
        double scale = BitConverter.UInt32BitsToSingle(t.ScaleBits);
        if (!(scale > 0) || t.Format.Storage is not (ActivationStorage.UInt8 or ActivationStorage.Int8 or ActivationStorage.Int16))
        {
            throw new OnnxImportException($"output {index} ('{t.Name}'): {t.Format} with scale {scale}; detection heads must be uint8 / int8 (int16 for class probabilities) with a positive scale.");
        }
        return (t, scale);
    }

    private static int Given(ModelGraph g, int index, int cells, int channels, string role, int stride, HashSet<int> used)
    {
        if (index < 0 || index >= g.Outputs.Count || used.Contains(index))
        {
            throw new OnnxImportException($"stride {stride}: the {role} output index {index} is {(index >= 0 && index < g.Outputs.Count ? "used twice" : $"not one of the graph's {g.Outputs.Count} outputs")}.");
        }
        var t = g.Tensors[g.Outputs[index]];
        if (t.Channels != channels || (long)t.Height * t.Width != cells)
        {
            throw new OnnxImportException($"stride {stride}: output {index} ('{t.Name}') is {t.Height}x{t.Width}x{t.Channels}; the {role} need {cells} cells x {channels} channels.");
        }
        used.Add(index);
        return index;
    }

    private static int Find(ModelGraph g, int cells, int channels, string role, int stride, HashSet<int> used)
    {
        var matches = new List<int>();
        for (int i = 0; i < g.Outputs.Count; i++)
        {
            var t = g.Tensors[g.Outputs[i]];
            if (!used.Contains(i) && t.Channels == channels && (long)t.Height * t.Width == cells)
            {
                matches.Add(i);
            }
        }
        if (matches.Count != 1)
        {
            string all = string.Join("; ", g.Outputs.Select((id, i) => $"{i} '{g.Tensors[id].Name}' {g.Tensors[id].Height}x{g.Tensors[id].Width}x{g.Tensors[id].Channels}"));
            throw new OnnxImportException($"stride {stride}: {(matches.Count == 0 ? "no" : "more than one")} graph output holds the {role} ({cells} cells x {channels} channels); outputs: {all}.");
        }
        used.Add(matches[0]);
        return matches[0];
    }
}
