using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Engine.Tests;

/// <summary>
/// The Requantize op in a low-bit chain: int8 input -> Requantize -> packed u4 -> conv 3x3 (int4
/// weights) -> int16 -> Requantize -> uint8; the engine equals the kernels run by hand, and bad
/// Requantize records are refused with named fields.
/// </summary>
public class RequantizeOpTests
{
    private const int H = 6, W = 5, C = 7, Cout = 9;
    private static readonly ActivationFormat In = ActivationFormat.Int8(-9), U4 = ActivationFormat.Packed(4),
        S16 = ActivationFormat.Int16(), Out = ActivationFormat.UInt8(17);
    private static readonly ConvGeometry Geometry = ConvGeometry.Same(H, W, C, Cout, 3);

    private sealed class Chain
    {
        public readonly RequantizeParams ToU4 = RequantizePreparation.Prepare(In, 0.02, U4, 0.15, H * W, C);
        public readonly RequantizeParams ToU8 = RequantizePreparation.Prepare(S16, 0.003, Out, 0.05, H * W, Cout);
        public readonly PackedConvWeights Weights;
        public readonly int[] Bias;
        public readonly ChannelRequant[] Requant;

        public Chain()
        {
            var rng = new Random(5);
            Weights = new PackedConvWeights(Geometry, [.. Enumerable.Range(0, Cout * 9 * C).Select(_ => (sbyte)rng.Next(-8, 8))], LowBitFormat.Int(4));
            Bias = [.. Enumerable.Range(0, Cout).Select(_ => rng.Next(-300, 300))];
            Requant = [.. Enumerable.Range(0, Cout).Select(_ => new ChannelRequant(rng.Next(1 << 30, int.MaxValue), 31))];
        }

        public byte[] Write(int inZeroPoint = -9, ChannelRequant? second = null)
        {
            var w = new BlobWriter();
            w.AddMetadata(SyntheticModel.Metadata());
            var g = new GraphBuilder(w);
            int x = g.AddTensor("x", In, H, W, C), a = g.AddTensor("x.u4", U4, H, W, C);
            int b = g.AddTensor("conv", S16, H, W, Cout), y = g.AddTensor("y", Out, H, W, Cout);
            g.AddInput(x);
            g.AddOutput(y);
            var weights = g.AddWeights(Weights.Bytes.Span, LowBitFormat.Int(4), "conv.weight");
            g.AddOp(new(GraphOpType.Requantize, "to-u4", [x], [a], default, g.AddParams(GraphBuilder.RequantizeBlock(ToU4.Multiplier, inZeroPoint))));
            g.AddOp(new(GraphOpType.Conv2D, "conv", [a], [b], OpAttributes.Window(3, 1, 1, 1),
                g.AddParams(GraphBuilder.RequantBlock(Bias, Requant, OutputRange.Int16())), weights));
            g.AddOp(new(GraphOpType.Requantize, "to-u8", [b], [y], default, g.AddParams(GraphBuilder.RequantizeBlock(second ?? ToU8.Multiplier, 0))));
            g.Finish();
            return w.ToArray();
        }

        public byte[] RunByHand(byte[] input)
        {
            var u4 = new byte[ToU4.OutputBytes];
            RequantizeKernels.Scalar.Run(ToU4, input, u4);
            var conv = QuantizedConv.Prepare(Geometry, U4, Weights, Bias, Requant, S16, OutputRange.Int16());
            var s16 = new byte[H * W * Cout * 2];
            conv.Run(u4, s16, new byte[conv.ScratchBytes]);
            var y = new byte[ToU8.OutputBytes];
            RequantizeKernels.Scalar.Run(ToU8, s16, y);
            return y;
        }
    }

    [Fact]
    public void LowBitChainMatchesKernelsRunByHand()
    {
        var chain = new Chain();
        using var engine = InferenceEngine.Load(BlobReader.Open(chain.Write(), "requant.aqd"));
        for (int seed = 0; seed < 3; seed++)
        {
            var input = new byte[H * W * C];
            new Random(seed).NextBytes(input);
            byte[] expected = chain.RunByHand(input);
            Assert.Equal(expected, engine.Run(input).ToArray());
            Assert.True(expected.Distinct().Count() > 8, $"seed {seed}: degenerate output");
        }
    }

    [Fact]
    public void LowBitChainAllocatesNothingAfterWarmUp()
    {
        using var engine = InferenceEngine.Load(BlobReader.Open(new Chain().Write(), "requant.aqd"));
        var input = new byte[H * W * C];
        new Random(4).NextBytes(input);
        engine.Run(input);
        engine.Run(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int checksum = 0;
        for (int i = 0; i < 10; i++)
        {
            checksum += engine.Run(input)[0];
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(checksum, 10 * engine.Output(0)[0]);
    }

    [Fact]
    public void WrongInZeroPointIsRefusedByName()
    {
        var blob = new Chain().Write(inZeroPoint: 3);
        var e = Assert.Throws<BlobFormatException>(() => GraphReader.Read(BlobReader.Open(blob, "bad.aqd")));
        Assert.Equal("ops[0].paramSet", e.Field);
        Assert.Contains("inZeroPoint 3", e.Problem);
    }

    [Fact]
    public void InvalidMultiplierIsRefusedByName()
    {
        var blob = new Chain().Write(second: new ChannelRequant(5, 0));
        var e = Assert.Throws<BlobFormatException>(() => GraphReader.Read(BlobReader.Open(blob, "bad.aqd")));
        Assert.Equal("ops[2].paramSet", e.Field);
        Assert.Contains("multiplier", e.Problem);
    }
}
