using System.Collections.Concurrent;
using System.Text;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Aqd.Tests;

/// <summary>
/// Item 6 of issue 4: FCOS-R18 and RetinaNet-R18 (random weights, BN and clips calibrated on
/// dog.jpg) at M{2,3,4,8}F8L8, 128x128 input: the integer engine, run op by op, gives the same integer
/// activations as the fake-quant simulation at every layer, on photos the calibration did not see
/// (person.jpg, eagle.jpg).
/// </summary>
public sealed class BitExactnessTests
{
    private const int Size = 128;

    public static TheoryData<AqdFamily, int> Configs()
    {
        var data = new TheoryData<AqdFamily, int>();
        foreach (var family in new[] { AqdFamily.Fcos, AqdFamily.RetinaNet })
        {
            foreach (int bits in new[] { 2, 3, 4, 8 })
            {
                data.Add(family, bits);
            }
        }
        return data;
    }

    private static readonly ConcurrentDictionary<(AqdFamily, int), Lazy<AqdNetwork>> Networks = new();

    /// <summary>The 128x128 network of a configuration, built once per process (calibrated on dog.jpg).</summary>
    internal static AqdNetwork Build(AqdFamily family, int bits) => Networks.GetOrAdd((family, bits), key => new Lazy<AqdNetwork>(() =>
    {
        var options = new AqdModelOptions { Family = key.Item1, Bits = key.Item2, InputWidth = Size, InputHeight = Size, Seed = 7 + key.Item2 };
        string images = AqdImages.FindTestImages();
        return AqdNetworkBuilder.Build(options, AqdImages.LoadBgr(Path.Combine(images, "dog.jpg"), Size, Size));
    })).Value;

    [Theory]
    [MemberData(nameof(Configs))]
    public void EngineEqualsSimulationAtEveryLayer(AqdFamily family, int bits)
    {
        // One photo per configuration (test time): FCOS on person.jpg, RetinaNet on eagle.jpg; the 4-bit models on both.
        string[] photos = bits == 4 ? ["person.jpg", "eagle.jpg"] : [family == AqdFamily.Fcos ? "person.jpg" : "eagle.jpg"];
        CompareEveryLayer(Build(family, bits), photos);
    }

    /// <summary>ResNet-34 (basic blocks [3, 4, 6, 3]) with a narrow head at 64x64, 2-bit: same equality.</summary>
    [Fact]
    public void ResNet34IsBitExactToo()
    {
        var options = new AqdModelOptions { Family = AqdFamily.RetinaNet, Depth = 34, Bits = 2, InputWidth = 64, InputHeight = 64, FpnChannels = 64, NumClasses = 5, Seed = 3 };
        var net = AqdNetworkBuilder.Build(options, AqdImages.LoadBgr(Path.Combine(AqdImages.FindTestImages(), "dog.jpg"), 64, 64));
        Assert.Equal(16, net.Nodes.OfType<AqdAdd>().Count(a => a.Name.StartsWith("layer", StringComparison.Ordinal)));
        CompareEveryLayer(net, ["person.jpg"]);
    }

    public static TheoryData<AqdFamily, int, bool> ResNet50Configs() => new()
    {
        { AqdFamily.Fcos, 2, true },
        { AqdFamily.Fcos, 4, false },
        { AqdFamily.RetinaNet, 4, true },
    };

    private static readonly ConcurrentDictionary<(AqdFamily, int, bool), Lazy<AqdNetwork>> ResNet50Networks = new();

    /// <summary>
    /// A small ResNet-50 detector (bottleneck width 8: stage outputs 32-64-128-256 channels, FPN 32, 5
    /// classes, 64x64), calibrated on dog.jpg, built once per process.
    /// </summary>
    internal static AqdNetwork BuildResNet50(AqdFamily family, int bits, bool strideIn1x1) => ResNet50Networks.GetOrAdd((family, bits, strideIn1x1), key => new Lazy<AqdNetwork>(() =>
    {
        var options = new AqdModelOptions
        {
            Family = key.Item1, Depth = 50, StrideIn1x1 = key.Item3, Bits = key.Item2, InputWidth = 64, InputHeight = 64,
            BackboneWidth = 8, FpnChannels = 32, NumClasses = 5, Seed = 50 + key.Item2,
        };
        return AqdNetworkBuilder.Build(options, AqdImages.LoadBgr(Path.Combine(AqdImages.FindTestImages(), "dog.jpg"), 64, 64));
    })).Value;

    /// <summary>
    /// ResNet-50 (bottleneck blocks [3, 4, 6, 3], 1x1 -> 3x3 -> 1x1 with expansion 4, projection
    /// shortcuts at each stage's first block, stride on conv1 or conv2): structure as specified, and
    /// the engine equals the simulation at every layer.
    /// </summary>
    [Theory]
    [MemberData(nameof(ResNet50Configs))]
    public void ResNet50IsBitExactToo(AqdFamily family, int bits, bool strideIn1x1)
    {
        var net = BuildResNet50(family, bits, strideIn1x1);
        var convs = net.Nodes.OfType<AqdConv>().ToDictionary(c => c.Name);
        Assert.Equal(16, net.Nodes.OfType<AqdAdd>().Count(a => a.Name.StartsWith("layer", StringComparison.Ordinal)));
        Assert.Equal(["layer1.0.downsample", "layer2.0.downsample", "layer3.0.downsample", "layer4.0.downsample"],
            convs.Keys.Where(n => n.EndsWith(".downsample", StringComparison.Ordinal)));
        for (int s = 0; s < 4; s++)
        {
            var first = $"layer{s + 1}.0";
            int mid = 8 << s, outCh = 4 * mid, stride = s == 0 ? 1 : 2;
            Assert.Equal((1, mid, strideIn1x1 ? stride : 1), (convs[first + ".conv1"].Weights.Kernel, convs[first + ".conv1"].Output.Channels, convs[first + ".conv1"].Stride));
            Assert.Equal((3, mid, strideIn1x1 ? 1 : stride), (convs[first + ".conv2"].Weights.Kernel, convs[first + ".conv2"].Output.Channels, convs[first + ".conv2"].Stride));
            Assert.Equal((1, outCh, 1), (convs[first + ".conv3"].Weights.Kernel, convs[first + ".conv3"].Output.Channels, convs[first + ".conv3"].Stride));
            // one input quantizer for conv1 and the shortcut; b-bit between conv1/conv2/conv3; conv3 and shortcut at the stream scale
            Assert.Same(convs[first + ".conv1"].Inputs[0], convs[first + ".downsample"].Inputs[0]);
            Assert.IsType<AqdRequantize>(net.Nodes.Single(n => n.Output == convs[first + ".conv1"].Inputs[0]));
            Assert.Equal(bits, convs[first + ".conv2"].Inputs[0].Format.Bits);
            Assert.Equal(bits, convs[first + ".conv3"].Inputs[0].Format.Bits);
            Assert.Equal(convs[first + ".conv3"].Output.Scale, convs[first + ".downsample"].Output.Scale);
            Assert.Equal($"layer{s + 1}", convs[first + ".conv3"].Output.ScaleGroup);
        }
        Assert.Equal(256, convs["fpn.lateral5"].Inputs[0].Channels);
        Assert.Equal(2 * 2, convs["fpn.lateral5"].Inputs[0].Height * convs["fpn.lateral5"].Inputs[0].Width);
        CompareEveryLayer(net, [family == AqdFamily.Fcos ? "person.jpg" : "eagle.jpg"]);
    }

    private static void CompareEveryLayer(AqdNetwork net, string[] photos)
    {
        int size = net.Options.InputWidth;
        var blob = AqdBlobWriter.Write(net);
        var reader = BlobReader.Open(blob, net.Options.ModelName);
        using var engine = InferenceEngine.Load(reader);
        Assert.Equal(net.Nodes.Count, engine.StepCount);
        string images = AqdImages.FindTestImages();
        var report = new StringBuilder();
        long compared = 0;
        int trainingDiffs = 0;
        long lowBitValues = 0;
        int lowBitDiffs = 0, lowBitMax = 0, int16Diffs = 0, int16Max = 0;
        foreach (string photo in photos)
        {
            var bgr = AqdImages.LoadBgr(Path.Combine(images, photo), size, size);
            var c = CompareLayers(engine, net, bgr, photo, report);
            compared += c.Compared;
            trainingDiffs += c.TrainingDiffs;
            lowBitValues += c.LowBitValues;
            lowBitDiffs += c.LowBitDiffs;
            lowBitMax = Math.Max(lowBitMax, c.LowBitMax);
            int16Diffs += c.Int16Diffs;
            int16Max = Math.Max(int16Max, c.Int16Max);
            AssertNotDegenerate(net, c.Simulation, photo);
        }
        report.AppendLine($"{net.Options.ModelName}: {compared} integer activations compared over {net.Nodes.Count} layers x {photos.Length} photo(s): all equal; " +
            $"training-code rounding (ties to even, double) differs at {trainingDiffs}; the un-snapped calibrated model at {lowBitDiffs} of " +
            $"{lowBitValues} b-bit/8-bit values (max {lowBitMax} step) and {int16Diffs} int16 values (max {int16Max}).");
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        Console.WriteLine($"AQD-BITEXACT {net.Options.ModelName}: layers={net.Nodes.Count} compared={compared} mismatches=0 trainingCodeDiffs={trainingDiffs} " +
            $"calibratedDiffs lowbit={lowBitDiffs}/{lowBitValues} (max {lowBitMax}) int16={int16Diffs} (max {int16Max})");
    }

    /// <summary>Counters of one engine-vs-simulation run (see <see cref="CompareLayers"/>).</summary>
    internal sealed record LayerComparison(FakeQuantSimulation.Result Simulation, long Compared, int TrainingDiffs,
        long LowBitValues, int LowBitDiffs, int LowBitMax, int Int16Diffs, int Int16Max);

    /// <summary>
    /// Runs the engine op by op on <paramref name="bgr"/> and asserts every op's output equals the
    /// fake-quant simulation's (and that the simulation's accumulator recovery is exact); counts the
    /// training-code and un-snapped-model differences.
    /// </summary>
    internal static LayerComparison CompareLayers(InferenceEngine engine, AqdNetwork net, byte[] bgr, string photo, StringBuilder report)
    {
        long compared = 0, lowBitValues = 0;
        int trainingDiffs = 0, lowBitDiffs = 0, lowBitMax = 0, int16Diffs = 0, int16Max = 0;
        var sim = FakeQuantSimulation.Run(net, bgr);
        bgr.CopyTo(engine.Input(0));
        report.AppendLine($"{net.Options.ModelName} on {photo}: layer, shape, elements, equal, training-code rounding differences, differences from the un-snapped calibrated model");
        for (int step = 0; step < engine.StepCount; step++)
        {
            int opIndex = engine.Graph.ExecutionOrder[step];
            Assert.Equal(step, opIndex);
            var node = net.Nodes[opIndex];
            engine.RunStep(step);
            var t = engine.Graph.Tensors[node.Output.Id];
            var actual = TensorCodes.Read(engine.Tensor(t.Id), t);
            var expected = sim.Codes[node.Output.Id];
            int first = FirstMismatch(expected, actual);
            Assert.True(first < 0, first < 0 ? "" :
                $"{photo}: layer {node.Name} ({t.Height}x{t.Width}x{t.Channels} {t.Format}) element {first} " +
                $"(pixel {first / t.Channels}, channel {first % t.Channels}): simulation {expected[first]}, engine {actual[first]}.");
            Assert.True(sim.MaxAccumulatorError[opIndex] < 0.25,
                $"{node.Name}: the double conv sum is {sim.MaxAccumulatorError[opIndex]} units from an integer; the exact recovery argument fails.");
            compared += expected.Length;
            trainingDiffs += sim.TrainingCodeDiffs[opIndex];
            if (t.Format.Storage == Kernels.Tensors.ActivationStorage.Int16)
            {
                int16Diffs += sim.CalibratedDiffs[opIndex];
                int16Max = Math.Max(int16Max, sim.CalibratedMaxDiff[opIndex]);
            }
            else
            {
                lowBitValues += expected.Length;
                lowBitDiffs += sim.CalibratedDiffs[opIndex];
                lowBitMax = Math.Max(lowBitMax, sim.CalibratedMaxDiff[opIndex]);
            }
            report.AppendLine($"  {node.Name,-34} {t.Height}x{t.Width}x{t.Channels} {t.Format,-12} {expected.Length,8} equal " +
                $"{sim.TrainingCodeDiffs[opIndex]} {sim.CalibratedDiffs[opIndex]} (max {sim.CalibratedMaxDiff[opIndex]})");
        }
        return new LayerComparison(sim, compared, trainingDiffs, lowBitValues, lowBitDiffs, lowBitMax, int16Diffs, int16Max);
    }

    /// <summary>Every conv output (of 16 values or more) uses more than one level and the head outputs vary: calibration kept the network alive.</summary>
    internal static void AssertNotDegenerate(AqdNetwork net, FakeQuantSimulation.Result sim, string photo)
    {
        foreach (var c in net.Nodes.OfType<AqdConv>().Where(c => c.Output.Elements >= 16))
        {
            var q = sim.Codes[c.Output.Id];
            int distinct = q.Distinct().Take(3).Count();
            Assert.True(distinct >= 2, $"{photo}: {c.Name} output is constant ({q[0]}).");
        }
        foreach (var o in net.Outputs.Where(o => o.Tensor.Elements >= 16))
        {
            Assert.True(sim.Codes[o.Tensor.Id].Distinct().Count() >= 3, $"{photo}: output {o.Tensor.Name} has fewer than 3 distinct values.");
        }
    }

    private static int FirstMismatch(int[] expected, int[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                return i;
            }
        }
        return -1;
    }
}
