using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;
using AQD.Edge.Onnx.Detection;
using AQD.Edge.Onnx.Import;

namespace AQD.Edge.Detection.Tests;

/// <summary>
/// A tiny NanoDet-shaped detector blob: a 64 x 48 BGR input normalized with mean / std (so the input
/// tables are not the identity), two levels (strides 8 and 16), each with a class conv (kernel =
/// stride, uint8 "probabilities" at scale 1/256) and a box conv (int8 GFL logits, 4 x (regMax + 1)
/// channels, regMax 3), random weights. The DETC section is added by the tools' builder.
/// </summary>
internal static class SyntheticDetector
{
    public const int Width = 64, Height = 48, Classes = 5, RegMax = 3;
    public static readonly int[] Strides = [8, 16];
    public const double ClsScale = 1.0 / 256, BoxScale = 0.125;
    public static readonly string[] Labels = ["person", "bicycle", "car", "dog", "cat"];
    public static readonly float[] Mean = [103.53f, 116.28f, 123.675f], Std = [57.375f, 57.12f, 58.395f];

    public static DetectionBuildOptions Options(int scorePermille = 300) => new()
    {
        Family = "nanodet", Strides = Strides, RegMax = RegMax, ScoreThresholdPermille = scorePermille, IouThresholdPermille = 600, MaxDetections = 100,
    };

    public static FloatHeads Heads(int scorePermille = 300) => new()
    {
        Family = "nanodet", Strides = Strides, InputWidth = Width, InputHeight = Height, NumClasses = Classes, RegMax = RegMax,
        ScoreThreshold = scorePermille / 1000.0,
    };

    /// <summary>The blob without DETC (resize policy and pad colour as given).</summary>
    public static byte[] WriteGraphOnly(int seed = 1, string resize = "stretch")
    {
        var norm = new InputNormalization(Mean, Std, bgr: true);
        var w = new BlobWriter();
        w.AddMetadata(new ModelMetadata
        {
            SchemaVersion = 1,
            Name = "synthetic-nanodet",
            Labels = Labels,
            Input = new InputSpec { Width = Width, Height = Height, Channels = 3, Layout = "NHWC" },
            Preprocessing = new PreprocessingSpec
            {
                ColorOrder = "BGR", Resize = resize, PadValue = resize == "letterbox" ? [114, 114, 114] : null,
                MeanMilli = [.. Mean.Select(m => (int)Math.Round(m * 1000))], StdMilli = [.. Std.Select(s => (int)Math.Round(s * 1000))],
            },
            Detector = new DetectorSpec { Family = "classifier", NumClasses = Classes },
            BitPolicy = new BitPolicySpec { WeightBits = 8, ActivationBits = 8 },
            Source = new SourceSpec { FileName = "synthetic.onnx", Format = "onnx", Sha256 = new string('0', 64) },
            Tool = new ToolSpec { Name = "detection-tests", Version = "0.1.0" },
        });
        var g = new GraphBuilder(w);
        var inFormat = ActivationFormat.UInt8(norm.ZeroPoint);
        int input = g.AddTensor("images", inFormat, Height, Width, 3, BitConverter.SingleToUInt32Bits(norm.Scale));
        g.AddInput(input);
        var rng = new Random(seed);
        var cls = new List<int>();
        var box = new List<int>();
        foreach (int s in Strides)
        {
            cls.Add(Conv(g, rng, input, s, Classes, ActivationFormat.UInt8(0), OutputRange.UInt8(0), ClsScale, $"cls_pred_stride_{s}", bias: -20000));
            box.Add(Conv(g, rng, input, s, 4 * (RegMax + 1), ActivationFormat.Int8(0), OutputRange.Int8(0), BoxScale, $"dis_pred_stride_{s}", bias: 0));
        }
        foreach (int t in cls.Concat(box))
        {
            g.AddOutput(t);
        }
        g.Finish();
        return w.ToArray();
    }

    public static byte[] Write(int seed = 1, string resize = "stretch", int scorePermille = 300)
        => DetectionTablesBuilder.AddTo(WriteGraphOnly(seed, resize), "synthetic.aqd", Options(scorePermille));

    private static int Conv(GraphBuilder g, Random rng, int input, int stride, int channels, ActivationFormat format, OutputRange range, double scale, string name, int bias)
    {
        var geometry = new ConvGeometry(Height, Width, 3, channels, stride, stride, stride, stride);
        var weights = new sbyte[channels * stride * stride * 3];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (sbyte)rng.Next(-127, 128);
        }
        var packed = new PackedConvWeights(geometry, weights, LowBitFormat.Int(8));
        int shift = stride == 8 ? 40 : 42;
        int t = g.AddTensor(name, format, Height / stride, Width / stride, channels, BitConverter.SingleToUInt32Bits((float)scale));
        var wref = g.AddWeights(packed.Bytes.Span, LowBitFormat.Int(8), name + ".weight");
        int[] biases = [.. Enumerable.Range(0, channels).Select(_ => bias + rng.Next(-5000, 5000))];
        ChannelRequant[] req = [.. Enumerable.Range(0, channels).Select(_ => new ChannelRequant(rng.Next(1 << 29, 1 << 30), shift))];
        g.AddOp(new(GraphOpType.Conv2D, name, [input], [t], OpAttributes.Window(stride, stride, 0, 1), g.AddParams(GraphBuilder.RequantBlock(biases, req, range)), wref));
        return t;
    }

    /// <summary>A deterministic RGB24 frame with smooth content and noise, rows of <paramref name="stride"/> bytes.</summary>
    public static byte[] Frame(int width, int height, int stride, int seed)
    {
        var rng = new Random(seed);
        var f = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    f[y * stride + x * 3 + c] = (byte)Math.Clamp((x * (c + 1) * 255 / width + y * 200 / height) % 256 + rng.Next(-20, 21), 0, 255);
                }
            }
        }
        return f;
    }
}
