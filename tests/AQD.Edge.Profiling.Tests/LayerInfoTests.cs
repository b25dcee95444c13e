using AQD.Edge.Engine.Tests;

namespace AQD.Edge.Profiling.Tests;

public class LayerInfoTests
{
    [Fact]
    public void OneRowPerStepInExecutionOrderWithTheGraphsOpsShapesAndBits()
    {
        var (model, engine) = ProfileFixture.Load();
        using var _ = engine;
        var layers = LayerInfo.Describe(engine);
        var graph = engine.Graph;
        Assert.Equal(graph.ExecutionOrder.Count, layers.Length);
        Assert.Equal(["conv1", "dw", "conv2", "add", "pool", "up", "concat", "shuffle", "resize", "gap"], layers.Select(l => l.Name));
        for (int step = 0; step < layers.Length; step++)
        {
            var op = graph.Ops[graph.ExecutionOrder[step]];
            var y = graph.Tensors[op.Outputs[0]];
            Assert.Equal(step, layers[step].Step);
            Assert.Equal(op.Index, layers[step].OpIndex);
            Assert.Equal(op.Type.ToString(), layers[step].OpType);
            Assert.Equal($"{y.Height}x{y.Width}x{y.Channels}", layers[step].Shape);
        }
        Assert.Equal([8, 8, 4, null, null, null, null, null, null, null], layers.Select(l => l.WeightBits));
        Assert.Equal("w4a8", layers[2].Bits);
        Assert.Equal("a8", layers[9].Bits);
    }

    [Fact]
    public void MacsAreThoseOfTheConvolutionsAndZeroElsewhere()
    {
        var (model, engine) = ProfileFixture.Load();
        using var _ = engine;
        var layers = LayerInfo.Describe(engine);
        const int Hw = SyntheticModel.H * SyntheticModel.W, C = SyntheticModel.C;
        // output pixels x output channels x (kernel taps x input channels per group)
        Assert.Equal((long)Hw * C * 9 * (SyntheticModel.Cin / 2), layers[0].Macs);
        Assert.Equal((long)Hw * C * 9, layers[1].Macs);
        Assert.Equal((long)Hw * C * C, layers[2].Macs);
        Assert.All(layers.Skip(3), l => Assert.Equal(0, l.Macs));
        Assert.Equal(model.Conv1.Macs, layers[0].Macs);
    }

    [Fact]
    public void BandsFollowTheEngineThreads()
    {
        var (_, engine) = ProfileFixture.Load(threads: Math.Min(2, Environment.ProcessorCount));
        using var _ = engine;
        var layers = LayerInfo.Describe(engine);
        Assert.All(layers.Take(3), l => Assert.Equal(engine.Threads, l.Bands));
        Assert.All(layers.Skip(3), l => Assert.Equal(1, l.Bands));
    }

    [Fact]
    public void GroupsByStructureWhenNamesSayNothing()
    {
        // Outputs: gap and pool. conv1..pool reach both outputs and run before any resize: backbone;
        // up..gap reach only the gap output: a branch, i.e. head.
        var (_, engine) = ProfileFixture.Load();
        using var _ = engine;
        var groups = LayerGroups.Classify(engine.Graph);
        Assert.Equal([.. Enumerable.Repeat(LayerGroup.Backbone, 5), .. Enumerable.Repeat(LayerGroup.Head, 5)], groups);
    }
}

public class LayerGroupNameTests
{
    [Fact]
    public void ModuleNamesDecideTheGroupBeforeStructure()
    {
        // A chain of max pools with one output: by structure all backbone; the names say otherwise.
        var act = AQD.Edge.Kernels.Tensors.ActivationFormat.UInt8(0);
        var w = new AQD.Edge.Model.Container.BlobWriter();
        w.AddMetadata(SyntheticModel.Metadata());
        var g = new AQD.Edge.Model.Graph.GraphBuilder(w);
        string[] names = ["backbone.stage1.pool", "fpn.lateral_pool", "head.cls_pool", "unnamed"];
        int t = g.AddTensor("input", act, 16, 16, 4);
        g.AddInput(t);
        int size = 16;
        foreach (string name in names)
        {
            size /= 2;
            int y = g.AddTensor(name, act, size, size, 4);
            g.AddOp(new(AQD.Edge.Model.Graph.GraphOpType.MaxPool, name, [t], [y], AQD.Edge.Model.Graph.OpAttributes.Window(2, 2, 0)));
            t = y;
        }
        g.AddOutput(t);
        g.Finish();
        var graph = AQD.Edge.Model.Graph.GraphReader.Read(AQD.Edge.Model.Container.BlobReader.Open(w.ToArray(), "names"));
        Assert.Equal([LayerGroup.Backbone, LayerGroup.Neck, LayerGroup.Head, LayerGroup.Backbone], LayerGroups.Classify(graph));
    }
}
