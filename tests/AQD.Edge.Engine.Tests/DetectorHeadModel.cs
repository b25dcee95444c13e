using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Movement;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Engine.Tests;

/// <summary>
/// A NanoDet-like head with the ops the NanoDet import emits: conv 3x3 with a fused LeakyReLU (op flag
/// LeakyRelu, asymmetric uint8 output) -> conv 1x1 with LeakyReLU -> ChannelSlice [0, 10) -> sigmoid
/// LookupTable to int16 (output 0), ChannelSlice [10, 16) -> LookupTable uint8 -> int8 (output 1), and the
/// conv 1x1 output itself (output 2). <see cref="RunByHand"/> runs the same kernels op by op.
/// </summary>
internal sealed class DetectorHeadModel
{
    public const int H = 12, W = 9, Cin = 8, C = 16, ClsChannels = 10;

    public static readonly ActivationFormat InFormat = ActivationFormat.UInt8(7);
    public static readonly ActivationFormat Act = ActivationFormat.UInt8(23);
    public static readonly ActivationFormat BoxFormat = ActivationFormat.Int8(-5);

    public readonly ConvGeometry Conv1 = ConvGeometry.Same(H, W, Cin, C, 3);
    public readonly ConvGeometry Conv2 = ConvGeometry.Same(H, W, C, C, 1);
    public readonly PackedConvWeights Conv1Weights, Conv2Weights;
    public readonly int[] Bias1, Bias2;
    public readonly ChannelRequant[] Pos1, Neg1, Pos2, Neg2;
    public readonly OutputRange Range = new(Act.ZeroPoint, Act.Min, Act.Max);
    public readonly LookupTable Sigmoid, BoxTable;

    public DetectorHeadModel(int seed = 17)
    {
        var rng = new Random(seed);
        sbyte[] Weights(int n) => [.. Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(-127, 128))];
        Conv1Weights = new PackedConvWeights(Conv1, Weights(C * 9 * Cin), LowBitFormat.Int(8));
        Conv2Weights = new PackedConvWeights(Conv2, Weights(C * C), LowBitFormat.Int(8));
        (Bias1, Pos1, Neg1) = Leaky(rng, 1.0 / 4096);
        (Bias2, Pos2, Neg2) = Leaky(rng, 1.0 / 512);
        Sigmoid = LookupTablePreparation.Sigmoid(Act, 0.06, ActivationFormat.Int16(), 1.0 / 32768);
        BoxTable = LookupTablePreparation.FromFunction(x => x / 2, Act, 0.1, BoxFormat, 0.1);
    }

    private static (int[], ChannelRequant[], ChannelRequant[]) Leaky(Random rng, double scale)
    {
        var reals = Enumerable.Range(0, C).Select(_ => scale * (0.5 + rng.NextDouble())).ToArray();
        var (pos, neg) = LeakyReluPreparation.FromReal(reals, 0.1);
        return ([.. Enumerable.Range(0, C).Select(_ => rng.Next(-3000, 3000))], pos, neg);
    }

    /// <summary>Tensor ids of the written graph.</summary>
    public int Input, T1, T2, Cls, Box, Scores, Boxes;

    /// <summary>The blob's LookupTable block: values by input byte pattern (the kernel's table is by input code).</summary>
    public static int[] Block(LookupTable t)
    {
        int xor = t.Input.Storage == ActivationStorage.Int8 ? 0x80 : 0;
        return GraphBuilder.LookupTableBlock([.. Enumerable.Range(0, 256).Select(pattern => t.Value(pattern ^ xor))]);
    }

    public byte[] Write()
    {
        var w = new BlobWriter();
        w.AddMetadata(SyntheticModel.Metadata());
        var g = new GraphBuilder(w);
        Input = g.AddTensor("input", InFormat, H, W, Cin);
        T1 = g.AddTensor("conv1", Act, H, W, C);
        T2 = g.AddTensor("conv2", Act, H, W, C);
        Cls = g.AddTensor("cls", Act, H, W, ClsChannels);
        Box = g.AddTensor("box", Act, H, W, C - ClsChannels);
        Scores = g.AddTensor("scores", ActivationFormat.Int16(), H, W, ClsChannels);
        Boxes = g.AddTensor("boxes", BoxFormat, H, W, C - ClsChannels);
        g.AddInput(Input);
        g.AddOutput(Scores);
        g.AddOutput(Boxes);
        g.AddOutput(T2);
        var w1 = g.AddWeights(Conv1Weights.Bytes.Span, LowBitFormat.Int(8), "conv1.weight");
        var w2 = g.AddWeights(Conv2Weights.Bytes.Span, LowBitFormat.Int(8), "conv2.weight");
        g.AddOp(new(GraphOpType.Conv2D, "conv1", [Input], [T1], OpAttributes.Window(3, 1, 1, 1),
            g.AddParams(GraphBuilder.LeakyRequantBlock(Bias1, Pos1, Neg1, Range)), w1, GraphOpFlags.LeakyRelu));
        g.AddOp(new(GraphOpType.Conv2D, "conv2", [T1], [T2], OpAttributes.Window(1, 1, 0, 1),
            g.AddParams(GraphBuilder.LeakyRequantBlock(Bias2, Pos2, Neg2, Range)), w2, GraphOpFlags.LeakyRelu));
        g.AddOp(new(GraphOpType.ChannelSlice, "cls", [T2], [Cls], new OpAttributes(Extra: 0)));
        g.AddOp(new(GraphOpType.ChannelSlice, "box", [T2], [Box], new OpAttributes(Extra: ClsChannels)));
        g.AddOp(new(GraphOpType.LookupTable, "sigmoid", [Cls], [Scores], default, g.AddParams(Block(Sigmoid))));
        g.AddOp(new(GraphOpType.LookupTable, "half", [Box], [Boxes], default, g.AddParams(Block(BoxTable))));
        g.Finish();
        return w.ToArray();
    }

    public static byte[] RandomInput(int seed)
    {
        var b = new byte[H * W * Cin];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>The same kernels, prepared independently: (scores as bytes, boxes, conv2 output).</summary>
    public (byte[] Scores, byte[] Boxes, byte[] Conv2) RunByHand(byte[] input)
    {
        var conv1 = QuantizedConv.Prepare(Conv1, InFormat, Conv1Weights, Bias1, Pos1, Act, Range, negative: Neg1);
        var conv2 = QuantizedConv.Prepare(Conv2, Act, Conv2Weights, Bias2, Pos2, Act, Range, negative: Neg2);
        int n = H * W;
        byte[] t1 = new byte[n * C], t2 = new byte[n * C], cls = new byte[n * ClsChannels], box = new byte[n * (C - ClsChannels)];
        var scores = new short[n * ClsChannels];
        var boxes = new byte[box.Length];
        conv1.Run(input, t1, new byte[conv1.ScratchBytes]);
        conv2.Run(t1, t2, new byte[conv2.ScratchBytes]);
        ChannelSlice.Run<byte>(new ChannelSliceParams(n, C, 0, ClsChannels), t2, cls);
        ChannelSlice.Run<byte>(new ChannelSliceParams(n, C, ClsChannels, C - ClsChannels), t2, box);
        LookupTableKernels.Run<byte, short>(Sigmoid, cls, scores);
        LookupTableKernels.Run<byte, sbyte>(BoxTable, box, MemoryMarshal.Cast<byte, sbyte>(boxes.AsSpan()));
        return (MemoryMarshal.AsBytes(scores.AsSpan()).ToArray(), boxes, t2);
    }
}
