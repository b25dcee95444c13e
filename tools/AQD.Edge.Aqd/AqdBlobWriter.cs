using System.Security.Cryptography;
using System.Text;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;
using AQD.Edge.Onnx.Detection;

namespace AQD.Edge.Aqd;

/// <summary>
/// Writes a lowered <see cref="AqdNetwork"/> as a blob: one graph tensor per network tensor (same
/// ids), one op per node (same order), one WGHT section per weight set — the five pyramid-level ops
/// of a shared head conv all reference the same section, each with its own param set (multi-level BN).
/// The blob also gets the labels and the DETC section (integer decode tables for Detector.Open /
/// aqd-edge detect), built by <see cref="DetectionTablesBuilder"/> from the network's output roles.
/// </summary>
public static class AqdBlobWriter
{
    /// <summary>Fixed-point 1.0 and the shift of an input scaled by 2^e in the Add (L = 14).</summary>
    private const int One = 1 << 30, AddLeftShift = 14;

    /// <summary>
    /// The blob of a lowered network. Blob choices that do not change the network may replace the options':
    /// <paramref name="labels"/> (one per class), <paramref name="resize"/> ("stretch" / "letterbox") and
    /// the detector's default <paramref name="scoreThresholdPermille"/> (metadata and DETC; null: 50, AQD's
    /// FCOS/RetinaNet evaluation threshold on the class probability).
    /// </summary>
    public static byte[] Write(AqdNetwork net, string? name = null, IReadOnlyList<string>? labels = null, string? resize = null, int? scoreThresholdPermille = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (scoreThresholdPermille is < 0 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(scoreThresholdPermille), scoreThresholdPermille, "the score threshold must be in 0..1000 per mille.");
        }
        if (!net.Lowered)
        {
            throw new InvalidOperationException("the network must be lowered first.");
        }
        var o = net.Options with { Labels = labels ?? net.Options.Labels, Resize = resize ?? net.Options.Resize };
        o.Validate();
        var writer = new BlobWriter();
        var gb = new GraphBuilder(writer);
        foreach (var t in net.Tensors)
        {
            int id = gb.AddTensor(t.Name, t.Format, t.Height, t.Width, t.Channels, BitConverter.SingleToUInt32Bits((float)t.Scale));
            if (id != t.Id)
            {
                throw new InvalidOperationException("tensor ids must match.");
            }
        }
        gb.AddInput(net.Input.Id);
        foreach (var output in net.Outputs)
        {
            gb.AddOutput(output.Tensor.Id);
        }
        var weightRefs = new Dictionary<AqdWeights, WeightRef>();
        foreach (var node in net.Nodes)
        {
            int[] ins = [.. node.Inputs.Select(t => t.Id)];
            int[] outs = [node.Output.Id];
            switch (node)
            {
                case AqdConv c:
                {
                    if (!weightRefs.TryGetValue(c.Weights, out var wref))
                    {
                        var packed = new PackedConvWeights(c.Geometry, c.Weights.Levels.Select(v => (sbyte)v).ToArray(), c.Weights.Format);
                        wref = gb.AddWeights(packed.Bytes.Span, c.Weights.Format, c.Weights.Name);
                        weightRefs[c.Weights] = wref;
                    }
                    uint ps = gb.AddParams(GraphBuilder.RequantBlock(c.Bias, c.Requant, c.Range));
                    gb.AddOp(new GraphOpRecord(GraphOpType.Conv2D, c.Name, ins, outs, OpAttributes.Window(c.Weights.Kernel, c.Stride, c.Pad, 1), ps, wref));
                    break;
                }
                case AqdAdd a:
                {
                    uint ps = gb.AddParams(GraphBuilder.AddBlock(AddLeftShift, PowerOfTwo(a.ShiftA), PowerOfTwo(a.ShiftB),
                        new ChannelRequant(One, 30), a.Relu));
                    gb.AddOp(new GraphOpRecord(GraphOpType.Add, a.Name, ins, outs, default, ps));
                    break;
                }
                case AqdRequantize r:
                {
                    uint ps = gb.AddParams(GraphBuilder.RequantizeBlock(r.Multiplier, r.Inputs[0].ZeroPoint));
                    gb.AddOp(new GraphOpRecord(GraphOpType.Requantize, r.Name, ins, outs, default, ps));
                    break;
                }
                case AqdMaxPool:
                    gb.AddOp(new GraphOpRecord(GraphOpType.MaxPool, node.Name, ins, outs, OpAttributes.Window(3, 2, 1)));
                    break;
                case AqdUpsample:
                    gb.AddOp(new GraphOpRecord(GraphOpType.ResizeNearest2x, node.Name, ins, outs, default));
                    break;
                default:
                    throw new InvalidOperationException($"{node.Name}: unknown node {node.GetType().Name}.");
            }
        }
        gb.Finish();
        writer.AddMetadata(Metadata(o, net.Source, name, scoreThresholdPermille));
        var detection = DetectionOptions(net);
        if (scoreThresholdPermille is { } threshold)
        {
            detection = detection with { ScoreThresholdPermille = threshold };
        }
        return DetectionTablesBuilder.AddTo(writer.ToArray(), name ?? o.ModelName, detection);
    }

    /// <summary>
    /// The decode description of an AQD network (docs/aqd-models.md): outputs by role, the metadata's
    /// thresholds; FCOS distances ReLU(scale_l x) x stride (scale_l folded into the box conv), locations at
    /// (i + 1/2) stride; RetinaNet anchors at i x stride (offset 0), detectron2 order (sizes outer),
    /// scales exactly 2^(k/3) (the metadata's per-mille 1260 / 1587 are 2^(k/3) rounded).
    /// </summary>
    public static DetectionBuildOptions DetectionOptions(AqdNetwork net)
    {
        ArgumentNullException.ThrowIfNull(net);
        var d = Metadata(net.Options, net.Source, null).Detector;
        bool fcos = net.Options.Family == AqdFamily.Fcos;
        int Index(string role, int level) => net.Outputs.FindIndex(x => x.Role == role && x.Level == level);
        return DetectionBuildOptions.FromMetadata(d) with
        {
            ClassLogits = true,
            FcosExponential = false,
            CenterOffsetPermille = fcos ? 500 : 0,
            AnchorScalesOuter = true,
            AnchorScales = fcos ? null : [1, Math.Pow(2, 1.0 / 3), Math.Pow(2, 2.0 / 3)],
            LevelOutputs = [.. Enumerable.Range(0, AqdModelOptions.Strides.Count)
                .Select(l => new DetectionLevelOutputs(Index("cls", l), Index("box", l), fcos ? Index("ctr", l) : -1))],
        };
    }

    /// <summary>Add input multiplier for a scale ratio 2^e: (x &lt;&lt; 14) * 2^30 &gt;&gt; (44 - e) = x * 2^e exactly.</summary>
    private static ChannelRequant PowerOfTwo(int e) => new(One, 30 + AddLeftShift - e);

    internal static ModelMetadata Metadata(AqdModelOptions o, AqdSourceInfo? source, string? name, int? scoreThresholdPermille = null)
    {
        bool fcos = o.Family == AqdFamily.Fcos;
        string config = o.ToString();
        return new ModelMetadata
        {
            SchemaVersion = 1,
            Name = name ?? o.ModelName,
            Description = $"AQD {(fcos ? "FCOS" : "RetinaNet")}-R{o.Depth}{(o.Bottleneck ? (o.StrideIn1x1 ? " (stride in 1x1)" : " (stride in 3x3)") : "")} {o.Shorthand}, " +
                (source is null ? $"random weights (seed {o.Seed}), BN calibrated on a photo; " : $"weights from {source.FileName} ({source.Format}); ") +
                $"input = BGR pixels, zero point {o.InputZeroPoint} (the integer mean), std 1.",
            Labels = o.EffectiveLabels,
            Input = new InputSpec { Width = o.InputWidth, Height = o.InputHeight, Channels = 3, Layout = "NHWC" },
            // The input tensor (scale 1, zero point Z) holds pixel - Z: the metadata's mean is Z on every channel,
            // so the DETC input tables are the identity; letterbox pads with Z (a real 0, as detectron2's padding).
            Preprocessing = new PreprocessingSpec
            {
                ColorOrder = "BGR", Resize = o.Resize,
                PadValue = o.Resize == "letterbox" ? [o.InputZeroPoint, o.InputZeroPoint, o.InputZeroPoint] : null,
                MeanMilli = [.. Enumerable.Repeat(o.InputZeroPoint * 1000, 3)], StdMilli = [1000, 1000, 1000],
            },
            Detector = new DetectorSpec
            {
                Family = fcos ? "fcos" : "retinanet",
                NumClasses = o.NumClasses,
                Strides = AqdModelOptions.Strides,
                ScoreThresholdPermille = scoreThresholdPermille ?? 50,
                IouThresholdPermille = fcos ? 600 : 500,
                MaxDetections = 100,
                AnchorSizes = fcos ? null : [32, 64, 128, 256, 512],
                AnchorRatiosPermille = fcos ? null : [500, 1000, 2000],
                AnchorScalesPermille = fcos ? null : [1000, 1260, 1587],
            },
            BitPolicy = new BitPolicySpec { Shorthand = o.Shorthand, WeightBits = o.Bits, ActivationBits = o.Bits },
            Source = source is not null ? new SourceSpec { FileName = source.FileName, Format = source.Format, Sha256 = source.Sha256 } : new SourceSpec
            {
                FileName = o.ModelName,
                Format = "synthetic",
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(config))),
            },
            Tool = new ToolSpec { Name = "AQD.Edge.Aqd", Version = "0.1.0" },
        };
    }
}
