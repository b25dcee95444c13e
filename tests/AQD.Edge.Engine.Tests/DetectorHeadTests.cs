using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Engine.Tests;

/// <summary>The NanoDet-style ops (fused LeakyReLU convs, ChannelSlice, LookupTable to int16 and int8) in the engine.</summary>
public class DetectorHeadTests
{
    private static InferenceEngine Load(byte[] blob, int threads = 1)
        => InferenceEngine.Load(GraphReader.Read(BlobReader.Open(blob, "head.aqd")),
            new EngineOptions { Threads = threads, MinMacsPerBand = 0 }, maxThreads: 8);

    [Fact]
    public void MatchesKernelsRunByHandBitExactlyForEveryThreadCount()
    {
        var model = new DetectorHeadModel();
        byte[] blob = model.Write();
        for (int threads = 1; threads <= 3; threads++)
        {
            using var engine = Load(blob, threads);
            Assert.Equal(3, engine.OutputCount);
            for (int seed = 0; seed < 3; seed++)
            {
                byte[] input = DetectorHeadModel.RandomInput(seed);
                var (scores, boxes, conv2) = model.RunByHand(input);
                input.CopyTo(engine.Input(0));
                engine.Run();
                Assert.Equal(scores, engine.Output(0).ToArray());
                Assert.Equal(boxes, engine.Output(1).ToArray());
                Assert.Equal(conv2, engine.Output(2).ToArray());
                // not degenerate: the leaky convs produce values on both sides of the zero point, the tables vary
                Assert.Contains(conv2, v => v < DetectorHeadModel.Act.ZeroPoint);
                Assert.Contains(conv2, v => v > DetectorHeadModel.Act.ZeroPoint + 20 && v < 255);
                Assert.True(scores.Distinct().Count() > 20, $"threads {threads} seed {seed}: scores have {scores.Distinct().Count()} distinct bytes.");
                Assert.True(boxes.Distinct().Count() > 8, $"threads {threads} seed {seed}: boxes have {boxes.Distinct().Count()} distinct values.");
            }
        }
    }

    [Fact]
    public void InferenceAllocatesNothingAfterWarmUp()
    {
        using var engine = Load(new DetectorHeadModel().Write(), threads: 2);
        byte[] input = DetectorHeadModel.RandomInput(5);
        input.CopyTo(engine.Input(0));
        engine.Run();
        engine.Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            engine.Run();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void DepthwiseWithTheLeakyFlagIsRefusedWithANamedError()
    {
        // the reader accepts the flag on DepthwiseConv2D (format level); the engine names the op it cannot prepare
        var blob = BlobReader.Open(LeakyDepthwise(), "dw.aqd");
        Assert.Equal(GraphOpFlags.LeakyRelu, GraphReader.Read(blob).Ops[0].Record.Flags);
        var e = Assert.Throws<BlobFormatException>(() => InferenceEngine.Load(blob));
        Assert.Contains("DepthwiseConv2D 'dw'", e.Message);
        Assert.Contains("LeakyReLU", e.Message);
    }

    private static byte[] LeakyDepthwise()
    {
        var w = new BlobWriter();
        w.AddMetadata(SyntheticModel.Metadata());
        var g = new GraphBuilder(w);
        var act = AQD.Edge.Kernels.Tensors.ActivationFormat.UInt8(0);
        int x = g.AddTensor("x", act, 6, 6, 16);
        int y = g.AddTensor("y", act, 6, 6, 16);
        g.AddInput(x);
        g.AddOutput(y);
        var geometry = AQD.Edge.Kernels.Conv.ConvGeometry.Same(6, 6, 16, 16, 3, 1, 16);
        var weights = g.AddWeights(new byte[AQD.Edge.Kernels.Depthwise.DepthwiseWeights.PackedBytes(geometry)], AQD.Edge.Kernels.LowBit.LowBitFormat.Int(8));
        var req = Enumerable.Repeat(new AQD.Edge.Kernels.FixedPoint.ChannelRequant(1 << 30, 31), 16).ToArray();
        g.AddOp(new(GraphOpType.DepthwiseConv2D, "dw", [x], [y], OpAttributes.Window(3, 1, 1, 16),
            g.AddParams(GraphBuilder.LeakyRequantBlock(new int[16], req, req, AQD.Edge.Kernels.FixedPoint.OutputRange.UInt8(0, relu: false))), weights, GraphOpFlags.LeakyRelu));
        g.Finish();
        return w.ToArray();
    }
}
