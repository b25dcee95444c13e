using System.Security.Cryptography;
using System.Text;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.Aqd;

/// <summary>
/// Writes a lowered <see cref="AqdNetwork"/> as a blob: one graph tensor per network tensor (same
/// ids), one op per node (same order), one WGHT section per weight set — the five pyramid-level ops
/// of a shared head conv all reference the same section, each with its own param set (multi-level BN).
/// </summary>
public static class AqdBlobWriter
{
    /// <summary>Fixed-point 1.0 and the shift of an input scaled by 2^e in the Add (L = 14).</summary>
    private const int One = 1 << 30, AddLeftShift = 14;

    public static byte[] Write(AqdNetwork net, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (!net.Lowered)
        {
            throw new InvalidOperationException("the network must be lowered first.");
        }
        var o = net.Options;
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
        writer.AddMetadata(Metadata(o, net.Source, name));
        return writer.ToArray();
    }

    /// <summary>Add input multiplier for a scale ratio 2^e: (x &lt;&lt; 14) * 2^30 &gt;&gt; (44 - e) = x * 2^e exactly.</summary>
    private static ChannelRequant PowerOfTwo(int e) => new(One, 30 + AddLeftShift - e);

    internal static ModelMetadata Metadata(AqdModelOptions o, AqdSourceInfo? source, string? name)
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
            Labels = [],
            Input = new InputSpec { Width = o.InputWidth, Height = o.InputHeight, Channels = 3, Layout = "NHWC" },
            Preprocessing = new PreprocessingSpec { ColorOrder = "BGR", Resize = "stretch", MeanMilli = [0, 0, 0], StdMilli = [1000, 1000, 1000] },
            Detector = new DetectorSpec
            {
                Family = fcos ? "fcos" : "retinanet",
                NumClasses = o.NumClasses,
                Strides = AqdModelOptions.Strides,
                ScoreThresholdPermille = 50,
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
