using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Movement;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.Engine.Tests;

/// <summary>
/// A small ResNet-like graph: conv 3x3 (grouped, int8 weights) -> depthwise 3x3 -> conv 1x1 (int4
/// weights) -> residual add -> maxpool -> nearest upsample 2x -> concat (with the conv 3x3 output)
/// -> channel shuffle -> bilinear resize -> global average pool. <see cref="Write"/> stores it as a
/// blob; <see cref="RunByHand"/> runs the same kernels op by op with their own allocations.
/// </summary>
internal sealed class SyntheticModel
{
    public const int H = 10, W = 10, Cin = 8, C = 16;

    public static readonly ActivationFormat InFormat = ActivationFormat.UInt8(5);
    public static readonly ActivationFormat Act = ActivationFormat.UInt8(0);
    public static readonly ActivationFormat OutFormat = ActivationFormat.Int8(-3);

    public readonly ConvGeometry Conv1 = ConvGeometry.Same(H, W, Cin, C, 3, 1, 2);
    public readonly ConvGeometry Dw = ConvGeometry.Same(H, W, C, C, 3, 1, C);
    public readonly ConvGeometry Conv2 = ConvGeometry.Same(H, W, C, C, 1);
    public readonly PackedConvWeights Conv1Weights, Conv2Weights;
    public readonly byte[] DwSource;
    public readonly int[] Bias1, Bias2, Bias3;
    public readonly ChannelRequant[] Req1, Req2, Req3;
    public readonly OutputRange Range = OutputRange.UInt8(0, relu: true);
    public readonly QuantizedAddParams AddParams;
    public readonly GlobalAveragePoolParams GapParams;
    public readonly PoolGeometry Pool = PoolGeometry.Square(1, H, W, C, 2, 2, 0);
    public const int ResizeH = 7, ResizeW = 7;

    public SyntheticModel(int seed = 42)
    {
        var rng = new Random(seed);
        sbyte[] Weights(int n, int lo, int hi) => [.. Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(lo, hi + 1))];
        Conv1Weights = new PackedConvWeights(Conv1, Weights(C * 9 * (Cin / 2), -127, 127), LowBitFormat.Int(8));
        Conv2Weights = new PackedConvWeights(Conv2, Weights(C * C, -7, 7), LowBitFormat.Int(4));
        DwSource = [.. Weights(C * 9, -127, 127).Select(v => (byte)v)];
        (Bias1, Req1) = Requant(rng, 40);
        (Bias2, Req2) = Requant(rng, 39);
        (Bias3, Req3) = Requant(rng, 35);
        AddParams = QuantizedAddPreparation.Prepare(Act, 0.05, Act, 0.07, Act, 0.1, relu: false, H * W * C);
        GapParams = GlobalAveragePoolPreparation.Prepare(1, ResizeH, ResizeW, 2 * C, Act, 0.1, OutFormat, 0.08);
    }

    private static (int[], ChannelRequant[]) Requant(Random rng, int shift)
        => ([.. Enumerable.Range(0, C).Select(_ => rng.Next(-2000, 2000))],
            [.. Enumerable.Range(0, C).Select(_ => new ChannelRequant(rng.Next(1 << 29, int.MaxValue), shift))]);

    public static ModelMetadata Metadata() => new()
    {
        SchemaVersion = 1,
        Name = "synthetic-resnet",
        Labels = [],
        Input = new InputSpec { Width = W, Height = H, Channels = 3, Layout = "NHWC" },
        Preprocessing = new PreprocessingSpec { ColorOrder = "RGB", Resize = "stretch", MeanMilli = [0, 0, 0], StdMilli = [1000, 1000, 1000] },
        Detector = new DetectorSpec { Family = "featurizer", NumClasses = 0 },
        BitPolicy = new BitPolicySpec { WeightBits = 8, ActivationBits = 8 },
        Source = new SourceSpec { FileName = "synthetic.onnx", Format = "onnx", Sha256 = new string('0', 64) },
        Tool = new ToolSpec { Name = "engine-tests", Version = "0.1.0" },
    };

    /// <summary>Tensor ids of the written graph.</summary>
    public int Input, T1, T2, T3, T4, T5, T6, T7, T8, T9, Output;

    /// <summary>Writes the blob; <paramref name="edit"/> may change the graph before it is finished (bad-graph tests).</summary>
    public byte[] Write(Action<GraphBuilder, SyntheticModel>? edit = null)
    {
        var w = new BlobWriter();
        w.AddMetadata(Metadata());
        var g = new GraphBuilder(w);
        Input = g.AddTensor("input", InFormat, H, W, Cin);
        T1 = g.AddTensor("conv1", Act, H, W, C);
        T2 = g.AddTensor("dw", Act, H, W, C);
        T3 = g.AddTensor("conv2", Act, H, W, C);
        T4 = g.AddTensor("add", Act, H, W, C);
        T5 = g.AddTensor("pool", Act, H / 2, W / 2, C);
        T6 = g.AddTensor("up", Act, H, W, C);
        T7 = g.AddTensor("concat", Act, H, W, 2 * C);
        T8 = g.AddTensor("shuffle", Act, H, W, 2 * C);
        T9 = g.AddTensor("resize", Act, ResizeH, ResizeW, 2 * C);
        Output = g.AddTensor("gap", OutFormat, 1, 1, 2 * C);
        g.AddInput(Input);
        g.AddOutput(Output);
        g.AddOutput(T5);
        var w1 = g.AddWeights(Conv1Weights.Bytes.Span, LowBitFormat.Int(8), "conv1.weight");
        var wdw = g.AddWeights(DepthwiseConvolution.Prepare(Dw, Act, DwSource, LowBitFormat.Int(8), Bias2, Req2, Range, Act).PackedWeights.Span,
            LowBitFormat.Int(8), "dw.weight");
        var w2 = g.AddWeights(Conv2Weights.Bytes.Span, LowBitFormat.Int(4), "conv2.weight");
        var a = AddParams;
        g.AddOp(new(GraphOpType.Conv2D, "conv1", [Input], [T1], OpAttributes.Window(3, 1, 1, 2),
            g.AddParams(GraphBuilder.RequantBlock(Bias1, Req1, Range)), w1));
        g.AddOp(new(GraphOpType.DepthwiseConv2D, "dw", [T1], [T2], OpAttributes.Window(3, 1, 1, C),
            g.AddParams(GraphBuilder.RequantBlock(Bias2, Req2, Range)), wdw));
        g.AddOp(new(GraphOpType.Conv2D, "conv2", [T2], [T3], OpAttributes.Window(1, 1, 0, 1),
            g.AddParams(GraphBuilder.RequantBlock(Bias3, Req3, Range)), w2));
        g.AddOp(new(GraphOpType.Add, "add", [T1, T3], [T4], default,
            g.AddParams(GraphBuilder.AddBlock(a.LeftShift, a.MultiplierA, a.MultiplierB, a.MultiplierOut, a.Relu))));
        g.AddOp(new(GraphOpType.MaxPool, "pool", [T4], [T5], OpAttributes.Window(2, 2, 0)));
        g.AddOp(new(GraphOpType.ResizeNearest2x, "up", [T5], [T6], default));
        g.AddOp(new(GraphOpType.Concat, "concat", [T6, T1], [T7], default));
        g.AddOp(new(GraphOpType.ChannelShuffle, "shuffle", [T7], [T8], new OpAttributes(Groups: 4)));
        g.AddOp(new(GraphOpType.ResizeBilinear, "resize", [T8], [T9], new OpAttributes(Extra: (uint)BilinearCoordinates.HalfPixel)));
        g.AddOp(new(GraphOpType.GlobalAveragePool, "gap", [T9], [Output], default,
            g.AddParams(GraphBuilder.GlobalAveragePoolBlock(GapParams.Multiplier, relu: false))));
        edit?.Invoke(g, this);
        g.Finish();
        return w.ToArray();
    }

    public static byte[] RandomInput(int seed)
    {
        var b = new byte[H * W * Cin];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>The same kernels, prepared independently, run op by op: (gap output, pool output).</summary>
    public (byte[] Output, byte[] Pool) RunByHand(byte[] input)
    {
        var conv1 = QuantizedConv.Prepare(Conv1, InFormat, Conv1Weights, Bias1, Req1, Act, Range);
        var dw = DepthwiseConvolution.Prepare(Dw, Act, DwSource, LowBitFormat.Int(8), Bias2, Req2, Range, Act);
        var conv2 = QuantizedConv.Prepare(Conv2, Act, Conv2Weights, Bias3, Req3, Act, Range);
        int n = H * W * C;
        byte[] t1 = new byte[n], t2 = new byte[n], t3 = new byte[n], t4 = new byte[n], t5 = new byte[n / 4], t6 = new byte[n],
            t7 = new byte[2 * n], t8 = new byte[2 * n], t9 = new byte[ResizeH * ResizeW * 2 * C];
        var output = new byte[2 * C];
        conv1.Run(input, t1, new byte[conv1.ScratchBytes]);
        dw.Run(t1, t2, new byte[dw.ScratchBytes], 0, H);
        conv2.Run(t2, t3, new byte[conv2.ScratchBytes]);
        QuantizedAddKernels.Run<byte, byte, byte>(AddParams, t1, t3, t4);
        MaxPoolKernels.Run<byte>(new MaxPoolParams(Pool, Act), t4, t5);
        NearestUpsample2x.Run<byte>(new NearestUpsample2xParams(1, H / 2, W / 2, C), t5, t6);
        var concat = new ConcatChannelsParams(H * W, [C, C]);
        ConcatChannels.CopyInput<byte>(concat, 0, t6, t7);
        ConcatChannels.CopyInput<byte>(concat, 1, t1, t7);
        ChannelShuffle.Run<byte>(new ChannelShuffleParams(H * W, 2 * C, 4), t7, t8);
        BilinearKernels.Run<byte>(new BilinearParams(1, H, W, ResizeH, ResizeW, 2 * C, Act, BilinearCoordinates.HalfPixel), t8, t9);
        GlobalAveragePoolKernels.Run<byte, sbyte>(GapParams, t9, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(output.AsSpan()));
        return (output, t5);
    }
}
