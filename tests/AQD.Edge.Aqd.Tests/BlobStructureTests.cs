using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Aqd.Tests;

/// <summary>How the AQD detectors appear in the blob: multi-level BN, packed low-bit formats, metadata.</summary>
public sealed class BlobStructureTests
{
    [Fact]
    public void SharedHeadConvIsOneWeightSectionWithOneParamSetPerLevel()
    {
        var net = BitExactnessTests.Build(AqdFamily.Fcos, 3);
        var blob = AqdBlobWriter.Write(net);
        var reader = BlobReader.Open(blob, "fcos");
        var graph = GraphReader.Read(reader);
        var tower = graph.Ops.Where(o => o.Record.Name!.StartsWith("head.cls_tower.1.", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, tower.Count);
        Assert.Single(tower.Select(o => o.Record.Weights!.Value).Distinct());
        Assert.Equal(5, tower.Select(o => o.Record.ParamSet).Distinct().Count());
        Assert.NotEqual(tower[0].Parameters, tower[1].Parameters); // each level's own folded BN
        // Every weight set is stored once: one WGHT section per distinct AqdWeights.
        int weightSets = net.Nodes.OfType<AqdConv>().Select(c => c.Weights).Distinct().Count();
        Assert.Equal(weightSets, reader.All(SectionKind.Weights).Count());
        Assert.True(weightSets < net.Nodes.OfType<AqdConv>().Count());
        // Middle layers are packed 3-bit activations with odd-level 3-bit weights; first and last are 8-bit.
        var conv1 = graph.Ops.Single(o => o.Record.Name == "layer2.0.conv1");
        Assert.Equal(Kernels.LowBit.LowBitFormat.Odd(3), conv1.Record.Weights!.Value.Format);
        Assert.Equal(Kernels.Tensors.ActivationFormat.Packed(3), graph.Tensors[conv1.Inputs[0]].Format);
        Assert.Equal(Kernels.LowBit.LowBitFormat.Int(8), graph.Ops.Single(o => o.Record.Name == "stem.conv1").Record.Weights!.Value.Format);
        Assert.Equal(Kernels.LowBit.LowBitFormat.Int(8), graph.Ops.Single(o => o.Record.Name == "head.cls_logits.p3").Record.Weights!.Value.Format);
        var meta = reader.Metadata;
        Assert.Equal("fcos", meta.Detector.Family);
        Assert.Equal([8, 16, 32, 64, 128], meta.Detector.Strides);
        Assert.Equal("M3F8L8", meta.BitPolicy.Shorthand);
        Assert.Equal(15, graph.Outputs.Count);
        using var engine = InferenceEngine.Load(graph);
        Assert.Equal(net.Nodes.Count, engine.StepCount);
    }

    [Fact]
    public void RetinaNetMetadataCarriesAnchors()
    {
        var net = BitExactnessTests.Build(AqdFamily.RetinaNet, 2);
        var meta = BlobReader.Open(AqdBlobWriter.Write(net), "retina").Metadata;
        Assert.Equal("retinanet", meta.Detector.Family);
        Assert.Equal(5, meta.Detector.AnchorSizes!.Count);
        Assert.Equal(9 * net.Options.NumClasses, net.Outputs[0].Tensor.Channels);
        Assert.Equal(9 * 4, net.Outputs[1].Tensor.Channels);
    }

    [Fact]
    public void ScoreThresholdGoesToMetadataAndDecodeTables()
    {
        var net = BitExactnessTests.Build(AqdFamily.Fcos, 4);
        var standard = BlobReader.Open(AqdBlobWriter.Write(net), "fcos");
        Assert.Equal(50, standard.Metadata.Detector.ScoreThresholdPermille);
        Assert.Equal(50, standard.Detection!.ScoreThresholdPermille);

        var raised = BlobReader.Open(AqdBlobWriter.Write(net, scoreThresholdPermille: 400), "fcos-400");
        Assert.Equal(400, raised.Metadata.Detector.ScoreThresholdPermille);
        Assert.Equal(400, raised.Detection!.ScoreThresholdPermille);
        // the per-level raw class thresholds follow: a higher probability needs a higher logit code
        for (int l = 0; l < raised.Detection.Levels.Count; l++)
        {
            Assert.True(raised.Detection.Levels[l].ClassThreshold > standard.Detection.Levels[l].ClassThreshold, $"level {l}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => AqdBlobWriter.Write(net, scoreThresholdPermille: 1001));
    }
}
