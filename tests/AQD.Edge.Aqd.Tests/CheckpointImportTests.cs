using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using AQD.Edge.Aqd.Checkpoints;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Aqd.Tests;

/// <summary>
/// Issue 4 item 5(b): an AQD PyTorch checkpoint (tests/data/aqd, written by real PyTorch with
/// tools/AQD.Edge.Aqd/fixtures/make_aqd_checkpoint.py) packed straight to a blob: the engine equals
/// the fake-quant simulation of the imported network at every layer, and agrees with PyTorch's own
/// fake-quant forward of the same input recorded by the script. Two fixtures: FCOS-R18 and FCOS-R50
/// (bottleneck blocks, stride in the 1x1 conv1).
/// </summary>
public sealed class CheckpointImportTests
{
    private const string Model = "fcos_r18_w8_m4";

    internal static string DataDir => Path.GetFullPath(Path.Combine(AqdImages.FindTestImages(), "..", "aqd"));

    private static string Data(string file) => Path.Combine(DataDir, file);

    /// <summary>FCOS-R50 (bottleneck width 8, stride in the 1x1 conv1): the same checks on ResNet-50's key names and structure.</summary>
    private const string ResNet50Model = "fcos_r50_w8_m4";

    private static readonly ConcurrentDictionary<string, Lazy<AqdNetwork>> ImportedModels = new();

    private static AqdNetwork Imported(string model = Model) => ImportedModels.GetOrAdd(model,
        m => new Lazy<AqdNetwork>(() => AqdCheckpointImporter.Import(Data(m + ".pth"), Data(m + ".policy.json")))).Value;

    [Theory]
    [InlineData(Model)]
    [InlineData(ResNet50Model)]
    public void ImportedCheckpointRunsBitExactAgainstTheSimulation(string model)
    {
        var net = Imported(model);
        Assert.Equal("pytorch", net.Source!.Format);
        Assert.Equal(64, net.Source.Sha256.Length);
        var blob = AqdBlobWriter.Write(net);
        using var engine = InferenceEngine.Load(BlobReader.Open(blob, model));
        Assert.Equal(net.Nodes.Count, engine.StepCount);
        var report = new StringBuilder();
        var bgr = File.ReadAllBytes(Data(model + ".input.bin"));
        var c = BitExactnessTests.CompareLayers(engine, net, bgr, "person.jpg (PyTorch's resize)", report);
        BitExactnessTests.AssertNotDegenerate(net, c.Simulation, "person.jpg");
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        Console.WriteLine($"AQD-PTH {model}: layers={net.Nodes.Count} compared={c.Compared} mismatches=0 trainingCodeDiffs={c.TrainingDiffs} " +
            $"snappingDiffs lowbit={c.LowBitDiffs}/{c.LowBitValues} (max {c.LowBitMax}) int16={c.Int16Diffs} (max {c.Int16Max})");
    }

    [Theory]
    [InlineData(Model)]
    [InlineData(ResNet50Model)]
    public void EngineAgreesWithPyTorchsFakeQuantForward(string model)
    {
        var net = Imported(model);
        using var engine = InferenceEngine.Load(BlobReader.Open(AqdBlobWriter.Write(net), model));
        File.ReadAllBytes(Data(model + ".input.bin")).CopyTo(engine.Input(0));
        engine.Run();
        using var doc = JsonDocument.Parse(File.ReadAllText(Data(model + ".outputs.json")));
        var outputs = doc.RootElement.GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(net.Outputs.Count, outputs.Count);
        long total = 0, equal = 0;
        int maxDiff = 0;
        var lines = new StringBuilder();
        for (int i = 0; i < outputs.Count; i++)
        {
            var o = net.Outputs[i];
            Assert.Equal($"{o.Role}.p{o.Level + 3}", outputs[i].GetProperty("name").GetString());
            int[] shape = [.. outputs[i].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
            Assert.Equal([o.Tensor.Height, o.Tensor.Width, o.Tensor.Channels], shape);
            int[] expected = [.. outputs[i].GetProperty("codes").EnumerateArray().Select(e => e.GetInt32())];
            var t = engine.Graph.Tensors[o.Tensor.Id];
            var actual = TensorCodes.Read(engine.Output(i), t);
            Assert.Equal(expected.Length, actual.Length);
            int eq = 0, md = 0;
            for (int k = 0; k < expected.Length; k++)
            {
                eq += expected[k] == actual[k] ? 1 : 0;
                md = Math.Max(md, Math.Abs(expected[k] - actual[k]));
            }
            total += expected.Length;
            equal += eq;
            maxDiff = Math.Max(maxDiff, md);
            lines.AppendLine($"  {o.Tensor.Name,-22} {expected.Length,6} values, {eq} equal, max |diff| {md}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine(lines.ToString());
        Console.WriteLine($"AQD-PTH-TORCH {model}: {equal}/{total} head output codes equal to PyTorch's, max |diff| {maxDiff}");
        // Tolerance: every code equal is expected (the fixture's BN offsets and biases lie on the
        // accumulator grid, so the integer model holds them exactly, and PyTorch evaluates in float64);
        // allowed: at most 0.5% of the codes one level apart, for exact ties (torch.round rounds half to
        // even, the engine half up) and float64 near-ties in PyTorch's conv sums.
        Assert.True(total - equal <= total / 200 && maxDiff <= 1, $"{total - equal} of {total} codes differ from PyTorch's (max {maxDiff}):\n{lines}");
    }

    [Fact]
    public void MismatchedCheckpointListsEveryProblemInOneError()
    {
        var state = new Dictionary<string, PthTensor>(PthReader.Read(Data(Model + ".pth")));
        var policy = AqdPolicy.Load(Data(Model + ".policy.json"));
        state.Remove("backbone.bottom_up.res3.1.conv2.norm.running_var");
        state.Remove("proposal_generator.fcos_head.scales.2.scale");
        state["backbone.extra.weight"] = new PthTensor("backbone.extra.weight", PthDType.Float32, [1], [1]);
        var w = state["backbone.fpn_output4.weight"];
        state["backbone.fpn_output4.weight"] = new PthTensor(w.Name, w.DType, [32, 32, 1, 9], w.Values);
        state["backbone.bottom_up.res2.0.conv2.quan_act.clip_val"] = new PthTensor("clip", PthDType.Float32, [], [-1]);
        var e = Assert.Throws<AqdCheckpointException>(() => AqdCheckpointImporter.Import(state, policy, null, "edited.pth"));
        Assert.Contains("edited.pth", e.Message);
        Assert.Contains("missing keys (2)", e.Message);
        Assert.Contains("backbone.bottom_up.res3.1.conv2.norm.running_var [16]", e.Message);
        Assert.Contains("proposal_generator.fcos_head.scales.2.scale", e.Message);
        Assert.Contains("unexpected keys (1)", e.Message);
        Assert.Contains("backbone.extra.weight", e.Message);
        Assert.Contains("backbone.fpn_output4.weight: [32, 32, 1, 9], expected [32, 32, 3, 3]", e.Message);
        Assert.Contains("backbone.bottom_up.res2.0.conv2.quan_act.clip_val = -1: must be positive", e.Message);
    }

    [Fact]
    public void ResNet50CheckpointNamesItsBottleneckKeys()
    {
        var state = new Dictionary<string, PthTensor>(PthReader.Read(Data(ResNet50Model + ".pth")));
        var policy = AqdPolicy.Load(Data(ResNet50Model + ".policy.json"));
        Assert.Equal(50, policy.Depth);
        state.Remove("backbone.bottom_up.res5.2.conv3.quan_act.clip_val");   // conv2's output quantizer (b-bit into conv3)
        state.Remove("backbone.bottom_up.res2.0.shortcut.norm.running_mean"); // the stage-1 projection shortcut (64 -> 256 in R50)
        var e = Assert.Throws<AqdCheckpointException>(() => AqdCheckpointImporter.Import(state, policy, null, "r50.pth"));
        Assert.Contains("missing keys (2)", e.Message);
        Assert.Contains("backbone.bottom_up.res5.2.conv3.quan_act.clip_val [] or [1]", e.Message);
        Assert.Contains("backbone.bottom_up.res2.0.shortcut.norm.running_mean [32]", e.Message);
        // read as ResNet-34 (same block counts, basic blocks): conv3 keys are unexpected, conv1 is mis-shaped
        var asR34 = Assert.Throws<AqdCheckpointException>(() => AqdCheckpointImporter.Import(PthReader.Read(Data(ResNet50Model + ".pth")), policy with { Depth = 34 }, null));
        Assert.Contains("backbone.bottom_up.res4.5.conv3.weight", asR34.Message);
        Assert.Contains("backbone.bottom_up.res2.0.conv1.weight: [8, 8, 1, 1], expected [8, 8, 3, 3]", asR34.Message);
    }

    [Fact]
    public void PolicyMustMatchTheModel()
    {
        Assert.Throws<JsonException>(() => AqdPolicy.Parse("""{ "family": "fcos", "depht": 18 }"""));
        Assert.Contains("M2F8L8", Assert.Throws<FormatException>(() => AqdPolicy.Parse("""{ "bits": 4, "policy": "M2F8L8" }""")).Message);
        Assert.Contains("strides", Assert.Throws<FormatException>(() => AqdPolicy.Parse("""{ "strides": [8, 16, 32] }""")).Message);
        Assert.Throws<ArgumentException>(() => AqdPolicy.Parse("""{ "bits": 5 }"""));
        // a wider policy than the checkpoint: the weights are mis-shaped, reported together
        var state = PthReader.Read(Data(Model + ".pth"));
        var wide = AqdPolicy.Load(Data(Model + ".policy.json")) with { FpnChannels = 64 };
        var e = Assert.Throws<AqdCheckpointException>(() => AqdCheckpointImporter.Import(state, wide, null));
        Assert.Contains("backbone.fpn_lateral3.weight: [32, 16, 1, 1], expected [64, 16, 1, 1]", e.Message);
    }

    [Fact]
    public void Int16ScalesComeFromAPhotoWhenTheCheckpointHasNone()
    {
        var state = PthReader.Read(Data(Model + ".pth")).Where(kv => !kv.Key.EndsWith("stream_scale", StringComparison.Ordinal) && kv.Key != "backbone.fpn_sum_scale")
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        var policy = AqdPolicy.Load(Data(Model + ".policy.json"));
        var e = Assert.Throws<AqdCheckpointException>(() => AqdCheckpointImporter.Import(state, policy, null));
        Assert.Contains("missing keys (5)", e.Message);
        Assert.Contains("backbone.bottom_up.res2.stream_scale (optional int16 scale: without it, give a calibration image)", e.Message);
        var photo = AqdImages.LoadBgr(Path.Combine(AqdImages.FindTestImages(), "dog.jpg"), 128, 128);
        var net = AqdCheckpointImporter.Import(state, policy, photo);
        var stream = net.Tensors.First(t => t.ScaleGroup == "layer2");
        var given = Imported().Tensors.First(t => t.ScaleGroup == "layer2");
        // calibrated the builder's way (max |value| -> ~16000) on the photo the script measured: same order as the script's scale
        Assert.InRange(stream.Scale / given.Scale, 0.5, 2);
    }
}
