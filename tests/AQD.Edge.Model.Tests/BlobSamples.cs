using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.Model.Tests;

/// <summary>Valid metadata and blobs with real-ish content (packed depthwise weights from the kernels library).</summary>
internal static class BlobSamples
{
    public static readonly string[] CocoLabels = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck"];

    public static ModelMetadata DetectorMetadata() => new()
    {
        SchemaVersion = 1,
        Name = "nanodet-g-416",
        Description = "test detector",
        Labels = CocoLabels,
        Input = new InputSpec { Width = 416, Height = 416, Channels = 3, Layout = "NHWC" },
        Preprocessing = new PreprocessingSpec
        {
            ColorOrder = "BGR",
            Resize = "letterbox",
            PadValue = [114, 114, 114],
            MeanMilli = [103_530, 116_280, 123_675],
            StdMilli = [57_375, 57_120, 58_395],
        },
        Detector = new DetectorSpec
        {
            Family = "nanodet",
            NumClasses = CocoLabels.Length,
            Strides = [8, 16, 32],
            RegMax = 7,
            ScoreThresholdPermille = 350,
            IouThresholdPermille = 600,
            MaxDetections = 100,
        },
        BitPolicy = new BitPolicySpec
        {
            Shorthand = "M4F8L8",
            WeightBits = 4,
            ActivationBits = 4,
            Layers = [new LayerBits { Name = "backbone.conv1", WeightBits = 8, ActivationBits = 8 }],
        },
        Source = new SourceSpec { FileName = "nanodet-g-416.onnx", Format = "onnx", Sha256 = new string('a', 64) },
        Tool = new ToolSpec { Name = "pack-model", Version = "0.1.0-test" },
    };

    public static ModelMetadata FeaturizerMetadata() => new()
    {
        SchemaVersion = 1,
        Name = "resnet18-featurizer",
        Labels = [],
        Input = new InputSpec { Width = 224, Height = 224, Channels = 3, Layout = "NHWC" },
        Preprocessing = new PreprocessingSpec
        {
            ColorOrder = "RGB",
            Resize = "center-crop",
            MeanMilli = [123_675, 116_280, 103_530],
            StdMilli = [58_395, 57_120, 57_375],
        },
        Detector = new DetectorSpec { Family = "featurizer", NumClasses = 0 },
        BitPolicy = new BitPolicySpec { WeightBits = 8, ActivationBits = 8 },
        Source = new SourceSpec { FileName = "resnet18.onnx", Format = "onnx", Sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
        Tool = new ToolSpec { Name = "pack-model", Version = "0.1.0-test" },
    };

    /// <summary>Depthwise weights packed by the kernels library (the bytes a real blob stores).</summary>
    public static (ConvGeometry Geometry, byte[] Packed) DepthwisePacked(int seed, int channels, int k)
    {
        var rng = new Random(seed);
        var geometry = ConvGeometry.Same(8, 8, channels, channels, k, 1, channels);
        var source = new byte[DepthwiseWeights.SourceBytes(geometry, LowBitFormat.Int(8))];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (byte)(sbyte)rng.Next(-127, 128);
        }
        var packed = new byte[DepthwiseWeights.PackedBytes(geometry)];
        DepthwiseWeights.Pack(geometry, source, LowBitFormat.Int(8), packed);
        return (geometry, packed);
    }

    public static byte[] RandomBytes(int seed, int length)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>Metadata only.</summary>
    public static byte[] Minimal()
    {
        var w = new BlobWriter();
        w.AddMetadata(FeaturizerMetadata());
        return w.ToArray();
    }

    /// <summary>Metadata, graph placeholder, three named depthwise weight sections, parameters, string table.</summary>
    public static byte[] DetectorBlob()
    {
        var w = new BlobWriter();
        w.AddMetadata(DetectorMetadata());
        w.AddSection(SectionKind.Graph, RandomBytes(1, 200));
        w.AddSection(SectionKind.Weights, DepthwisePacked(2, 24, 3).Packed, "backbone.dw1");
        w.AddSection(SectionKind.Weights, DepthwisePacked(3, 40, 5).Packed, "backbone.dw2");
        w.AddSection(SectionKind.Parameters, RandomBytes(4, 3 * 40 * 4), "backbone.dw2.requant");
        w.AddSection(SectionKind.Weights, DepthwisePacked(5, 7, 3).Packed, "head.dw");
        return w.ToArray();
    }

    /// <summary>A 4096-aligned section, an empty section, an unknown non-critical kind.</summary>
    public static byte[] Unusual()
    {
        var w = new BlobWriter();
        w.AddSection(SectionKind.Weights, RandomBytes(6, 100), "page.aligned", alignment: 4096);
        w.AddSection(SectionKind.Parameters, [], "empty");
        w.AddSection(SectionKind.Parse("XTRA"), RandomBytes(7, 33), "optional.extension", flags: SectionFlags.None);
        w.AddMetadata(FeaturizerMetadata());
        return w.ToArray();
    }

    public static IEnumerable<(string Name, byte[] Blob)> All()
    {
        yield return ("minimal", Minimal());
        yield return ("detector", DetectorBlob());
        yield return ("unusual", Unusual());
        yield return ("graph", GraphBlob());
        yield return ("detection", DetectionBlob());
        yield return ("graph-head", GraphHeadBlob());
        yield return ("graph-residual", ResidualBlob());
    }

    /// <summary>A two-level GFL (NanoDet-style) DETC section for 8 classes at 64 x 64, BGR input tables.</summary>
    public static DetectionParams DetectionTables(DetectionFamily family = DetectionFamily.Gfl) => new()
    {
        Family = family, NumClasses = 8, InputWidth = 64, InputHeight = 64,
        RegMax = family == DetectionFamily.Gfl ? 7 : 0, AnchorsPerCell = family == DetectionFamily.RetinaNet ? 2 : 1,
        ScoreThresholdPermille = 350, IouThresholdPermille = 600, MaxDetections = 100, TopKPerClass = 1000,
        InputSource = [2, 1, 0],
        InputTables = [.. Enumerable.Range(0, 3).Select(k => Enumerable.Range(0, 256).Select(v => Math.Clamp(v - 10 * k, 0, 255)).ToArray())],
        Levels = [.. new[] { 8, 16 }.Select((s, i) => new DetectionLevel
        {
            Stride = s, GridWidth = 64 / s, GridHeight = 64 / s, ClassOutput = i, BoxOutput = 2 + i,
            CenternessOutput = family == DetectionFamily.Fcos ? 4 + i : -1, BoxSigned = true,
            ClassThreshold = 90,
            ScoreTable = Kernels.Preparation.DetectionTablePreparation.ScoreProbability(1.0 / 256, 0, false),
            BoxTable = family switch
            {
                DetectionFamily.Gfl => Kernels.Preparation.DetectionTablePreparation.GflExp(0.07),
                DetectionFamily.Fcos => Kernels.Preparation.DetectionTablePreparation.FcosDistance(0.05, 0, true, s, false),
                _ => Kernels.Preparation.DetectionTablePreparation.RetinaDelta(0.02, 0, true),
            },
            BoxExpTable = family == DetectionFamily.RetinaNet ? Kernels.Preparation.DetectionTablePreparation.RetinaExp(0.02, 0, true) : null,
            CenternessTable = family == DetectionFamily.Fcos ? Kernels.Preparation.DetectionTablePreparation.ScoreSigmoid(0.1, 0, true) : null,
            Anchors = family == DetectionFamily.RetinaNet ? [32 * 256 * s / 8, 32 * 256 * s / 8, 45 * 256 * s / 8, 22 * 256 * s / 8] : null,
            CenterOffsetQ8 = s * 128,
        })],
    };

    /// <summary>Metadata and a DETC section (checked by the container reader).</summary>
    public static byte[] DetectionBlob()
    {
        var w = new BlobWriter();
        w.AddMetadata(DetectorMetadata());
        w.AddSection(SectionKind.Detection, Detection.DetectionSection.Write(DetectionTables()), "detector.tables");
        return w.ToArray();
    }

    /// <summary>
    /// A blob with the NanoDet-style ops: conv 3x3 with a fused LeakyReLU (op flag 1, the longer param
    /// block) -> ChannelSlice [0, 5) -> LookupTable to int16, ChannelSlice [5, 8) -> LookupTable to uint8.
    /// </summary>
    public static byte[] GraphHeadBlob()
    {
        var w = new BlobWriter();
        w.AddMetadata(FeaturizerMetadata());
        var g = new GraphBuilder(w);
        var act = ActivationFormat.UInt8(20);
        int x = g.AddTensor("input", ActivationFormat.UInt8(3), 5, 4, 3, 0x3C000000);
        int t1 = g.AddTensor("conv", act, 5, 4, 8);
        int t2 = g.AddTensor("cls", act, 5, 4, 5);
        int t3 = g.AddTensor("box", act, 5, 4, 3);
        int y1 = g.AddTensor("scores", ActivationFormat.Int16(), 5, 4, 5, 0x38000000);
        int y2 = g.AddTensor("boxes", ActivationFormat.UInt8(0), 5, 4, 3);
        g.AddInput(x);
        g.AddOutput(y1);
        g.AddOutput(y2);
        var rng = new Random(11);
        var conv = ConvGeometry.Same(5, 4, 3, 8, 3);
        var convWeights = new PackedConvWeights(conv, [.. Enumerable.Range(0, 8 * 9 * 3).Select(_ => (sbyte)rng.Next(-127, 128))], LowBitFormat.Int(8));
        var wc = g.AddWeights(convWeights.Bytes.Span, LowBitFormat.Int(8), "conv.weight");
        int[] bias = [.. Enumerable.Range(0, 8).Select(_ => rng.Next(-500, 500))];
        ChannelRequant[] pos = [.. Enumerable.Range(0, 8).Select(_ => new ChannelRequant(rng.Next(1 << 30, int.MaxValue), 40))];
        ChannelRequant[] neg = [.. pos.Select(p => new ChannelRequant(p.Multiplier, p.Shift + 3))];
        g.AddOp(new(GraphOpType.Conv2D, "conv", [x], [t1], OpAttributes.Window(3, 1, 1, 1),
            g.AddParams(GraphBuilder.LeakyRequantBlock(bias, pos, neg, new OutputRange(20, 0, 255))), wc, GraphOpFlags.LeakyRelu));
        g.AddOp(new(GraphOpType.ChannelSlice, "cls", [t1], [t2], default));
        g.AddOp(new(GraphOpType.ChannelSlice, "box", [t1], [t3], new OpAttributes(Extra: 5)));
        g.AddOp(new(GraphOpType.LookupTable, "sigmoid", [t2], [y1], default,
            g.AddParams(GraphBuilder.LookupTableBlock([.. Enumerable.Range(0, 256).Select(k => 128 * k)]))));
        g.AddOp(new(GraphOpType.LookupTable, "table", [t3], [y2], default,
            g.AddParams(GraphBuilder.LookupTableBlock([.. Enumerable.Range(0, 256).Select(k => 255 - k)]))));
        g.Finish();
        return w.ToArray();
    }

    /// <summary>
    /// A blob with a real graph section: conv 3x3 (int8) -> depthwise -> add -> maxpool -> nearest 2x
    /// -> concat -> channel shuffle -> bilinear -> global average pool, and add -> requantize (packed 4-bit); two WGHT sections, one PRMS.
    /// </summary>
    public static byte[] GraphBlob()
    {
        var w = new BlobWriter();
        w.AddMetadata(FeaturizerMetadata());
        var g = new GraphBuilder(w);
        var act = ActivationFormat.UInt8(0);
        int x = g.AddTensor("input", ActivationFormat.UInt8(3), 6, 6, 4, 0x3C000000);
        int t1 = g.AddTensor("conv", act, 6, 6, 8);
        int t2 = g.AddTensor("dw", act, 6, 6, 8);
        int t3 = g.AddTensor("add", act, 6, 6, 8);
        int t4 = g.AddTensor("pool", act, 3, 3, 8);
        int t5 = g.AddTensor("up", act, 6, 6, 8);
        int t6 = g.AddTensor("concat", act, 6, 6, 16);
        int t7 = g.AddTensor("shuffle", act, 6, 6, 16);
        int t8 = g.AddTensor("resize", act, 4, 4, 16);
        int y = g.AddTensor("gap", ActivationFormat.Int8(-1), 1, 1, 16);
        int q = g.AddTensor("add.u4", ActivationFormat.Packed(4), 6, 6, 8);
        g.AddInput(x);
        g.AddOutput(y);
        g.AddOutput(q);
        var rng = new Random(9);
        var conv = ConvGeometry.Same(6, 6, 4, 8, 3);
        var convWeights = new PackedConvWeights(conv, [.. Enumerable.Range(0, 8 * 9 * 4).Select(_ => (sbyte)rng.Next(-127, 128))], LowBitFormat.Int(8));
        var wc = g.AddWeights(convWeights.Bytes.Span, LowBitFormat.Int(8), "conv.weight");
        var (dwGeometry, dwPacked) = DepthwisePacked(10, 8, 3);
        _ = dwGeometry;
        var wd = g.AddWeights(dwPacked, LowBitFormat.Int(8), "dw.weight");
        int[] bias = [.. Enumerable.Range(0, 8).Select(_ => rng.Next(-500, 500))];
        ChannelRequant[] req = [.. Enumerable.Range(0, 8).Select(_ => new ChannelRequant(rng.Next(1 << 30, int.MaxValue), 40))];
        var range = OutputRange.UInt8(0, relu: true);
        g.AddOp(new(GraphOpType.Conv2D, "conv", [x], [t1], OpAttributes.Window(3, 1, 1, 1), g.AddParams(GraphBuilder.RequantBlock(bias, req, range)), wc));
        g.AddOp(new(GraphOpType.DepthwiseConv2D, "dw", [t1], [t2], OpAttributes.Window(3, 1, 1, 8), g.AddParams(GraphBuilder.RequantBlock(bias, req, range)), wd));
        g.AddOp(new(GraphOpType.Add, "add", [t1, t2], [t3], default,
            g.AddParams(GraphBuilder.AddBlock(20, new(1 << 30, 31), new(1 << 30, 31), new(1 << 30, 20), relu: false))));
        g.AddOp(new(GraphOpType.MaxPool, "pool", [t3], [t4], OpAttributes.Window(2, 2, 0)));
        g.AddOp(new(GraphOpType.ResizeNearest2x, "up", [t4], [t5], default));
        g.AddOp(new(GraphOpType.Concat, "concat", [t5, t1], [t6], default));
        g.AddOp(new(GraphOpType.ChannelShuffle, "shuffle", [t6], [t7], new OpAttributes(Groups: 2)));
        g.AddOp(new(GraphOpType.ResizeBilinear, "resize", [t7], [t8], new OpAttributes(Extra: 0)));
        g.AddOp(new(GraphOpType.GlobalAveragePool, "gap", [t8], [y], default, g.AddParams(GraphBuilder.GlobalAveragePoolBlock(new(1 << 30, 35), relu: false))));
        g.AddOp(new(GraphOpType.Requantize, "requant", [t3], [q], default, g.AddParams(GraphBuilder.RequantizeBlock(new(1 << 30, 35), 0))));
        g.Finish();
        return w.ToArray();
    }

    /// <summary>
    /// The int16 residual stream of the AQD models: int16 + uint8 Add (power-of-two multipliers) ->
    /// int16, nearest 2x upsample at int16, and a Requantize of the stream to packed 2-bit.
    /// </summary>
    public static byte[] ResidualBlob()
    {
        var w = new BlobWriter();
        w.AddMetadata(FeaturizerMetadata());
        var g = new GraphBuilder(w);
        int stream = g.AddTensor("stream", ActivationFormat.Int16(), 4, 4, 8);
        int identity = g.AddTensor("identity", ActivationFormat.UInt8(0), 4, 4, 8);
        int sum = g.AddTensor("add", ActivationFormat.Int16(), 4, 4, 8);
        int up = g.AddTensor("up", ActivationFormat.Int16(), 8, 8, 8);
        int q = g.AddTensor("quant", ActivationFormat.Packed(2), 4, 4, 8);
        g.AddInput(stream);
        g.AddInput(identity);
        g.AddOutput(up);
        g.AddOutput(q);
        g.AddOp(new(GraphOpType.Add, "add", [stream, identity], [sum], default,
            g.AddParams(GraphBuilder.AddBlock(14, new(1 << 30, 44), new(1 << 30, 41), new(1 << 30, 30), relu: true))));
        g.AddOp(new(GraphOpType.ResizeNearest2x, "up", [sum], [up], default));
        g.AddOp(new(GraphOpType.Requantize, "quant", [sum], [q], default, g.AddParams(GraphBuilder.RequantizeBlock(new(1 << 30, 40), 0))));
        g.Finish();
        return w.ToArray();
    }
}
