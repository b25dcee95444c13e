using AQD.Edge.Aqd;
using AQD.Edge.Aqd.Checkpoints;

namespace AQD.Edge.Train.Tests;

/// <summary>
/// The tiny configuration end to end (issue 7 CI item): float training, AQD QAT, export of a real
/// PyTorch checkpoint + policy, pack through the pack-aqd code path, integer-engine evaluation against
/// the folded fake-quant model with the same decode and COCO evaluator. Checks the pipeline, not accuracy:
/// files, key set, blob structure, head-code agreement and the AP gap.
/// </summary>
public sealed class PipelineTests
{
    [Theory]
    [InlineData(AqdFamily.Fcos, 2)]
    [InlineData(AqdFamily.RetinaNet, 4)]
    public void TinyPipelineRunsEndToEnd(AqdFamily family, int bits)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"aqd-train-test-{family}-{bits}-{Environment.ProcessId}");
        var log = new StringWriter();
        try
        {
            var o = new PipelineOptions
            {
                Model = new ModelConfig { Family = family, Bits = bits, ImageSize = 64, BackboneWidth = 8, FpnChannels = 16, HeadConvs = 2, NumClasses = 10 },
                Float = new PhaseOptions { Iterations = 12, Batch = 8, Warmup = 2, LogEvery = 4 },
                Qat = new PhaseOptions { Iterations = 6, Batch = 8, Warmup = 1, LogEvery = 3, LearningRate = 5e-4 },
                ValImages = 12, MaxObjects = 3, Threads = 1, OutputDirectory = dir,
            };
            var r = TrainPipeline.Run(o, log);
            TestContext.Current.TestOutputHelper?.WriteLine(log.ToString());
            string text = log.ToString();
            Assert.Contains("img/s ETA", text);   // progress lines
            foreach (string f in new[] { "qat.pth", "policy.json", "model.aqd", "metrics.json" })
            {
                Assert.True(new FileInfo(Path.Combine(dir, f)).Length > 0, f);
            }
            // the export is a real .pth the repository's reader takes, with the convention's keys
            var state = PthReader.Read(r.Checkpoint);
            string head = family == AqdFamily.Fcos ? "proposal_generator.fcos_head." : "head.";
            Assert.Contains($"{head}{(family == AqdFamily.Fcos ? "cls_tower" : "cls_subnet")}.1.norm.4.running_var", state.Keys);
            Assert.Contains("backbone.bottom_up.res3.0.shortcut.quan_w.alpha", state.Keys);
            var policy = AqdPolicy.Load(r.Policy);
            Assert.Equal(bits, policy.Bits);
            // multi-level BN: the five levels of a tower conv have their own statistics
            var v0 = state[$"{head}{(family == AqdFamily.Fcos ? "bbox_tower" : "bbox_subnet")}.0.norm.0.running_mean"].Values;
            var v4 = state[$"{head}{(family == AqdFamily.Fcos ? "bbox_tower" : "bbox_subnet")}.0.norm.4.running_mean"].Values;
            Assert.NotEqual(v0, v4);
            // the blob: family, policy and one output per level and role
            using (var engine = AQD.Edge.Engine.InferenceEngine.Load(AQD.Edge.Model.Container.BlobReader.Open(File.ReadAllBytes(r.Blob), "model.aqd")))
            {
                Assert.Equal(family == AqdFamily.Fcos ? 15 : 10, engine.OutputCount);
            }
            Assert.Equal(new FileInfo(r.Blob).Length, r.BlobBytes);
            // the integer engine computes the folded fake-quant model's head codes (ties aside) and the same AP
            Console.WriteLine($"AQD-TRAIN tiny {family} M{bits}F8L8: float {r.Float.ImagesPerSecond:F1} img/s, QAT {r.Qat.ImagesPerSecond:F1} img/s; " +
                $"codes {r.Packed.CodesEqual}/{r.Packed.CodesTotal} equal (max diff {r.Packed.MaxCodeDiff}); AP folded {r.Packed.Folded.AP:F4} engine {r.Packed.Engine.AP:F4}");
            Assert.True(r.Packed.CodesTotal > 10_000);
            Assert.True(r.Packed.CodesTotal - r.Packed.CodesEqual <= r.Packed.CodesTotal / 1000,
                $"{r.Packed.CodesTotal - r.Packed.CodesEqual} of {r.Packed.CodesTotal} head codes differ (max {r.Packed.MaxCodeDiff})");
            Assert.True(r.ApGapPoints <= 0.1, $"AP gap {r.ApGapPoints} points");
            // the training model's own fake-quant forward (float32; int16 stream and folded BN simulated) computes the same
            // codes up to float32 rounding (100% here; a trained 4-bit FCOS had 86% equal, 96% within one step)
            Assert.True(r.QatCodesEqualToFolded >= 0.95, $"QAT model vs folded: {r.QatCodesEqualToFolded:P3} of the head codes equal");
            Assert.True(Math.Abs(r.QatAP.AP - r.Packed.Engine.AP) * 100 <= 0.1, $"QAT model AP {r.QatAP.AP} vs engine {r.Packed.Engine.AP}");
            Assert.True(double.IsFinite(r.Qat.FinalLoss) && double.IsFinite(r.Float.FinalLoss));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>
    /// Progressive quantization: a tiny 4-bit run writes qat-state.pth (its latent weights under the training names); a
    /// 2-bit run starts from it with --from-qat and still ends in an engine-exact blob. The state file round-trips every
    /// parameter and buffer; a state of another architecture (shared head BN) is refused with the missing keys named.
    /// </summary>
    [Fact]
    public void TwoBitQatStartsFromTheFourBitState()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"aqd-train-progressive-{Environment.ProcessId}");
        try
        {
            var model = new ModelConfig { Family = AqdFamily.Fcos, Bits = 4, ImageSize = 64, BackboneWidth = 8, FpnChannels = 16, HeadConvs = 2, NumClasses = 10 };
            PipelineOptions Options(ModelConfig m, string sub) => new()
            {
                Model = m,
                Float = new PhaseOptions { Iterations = 8, Batch = 8, Warmup = 2, LogEvery = 4 },
                Qat = new PhaseOptions { Iterations = 4, Batch = 8, Warmup = 1, LogEvery = 2, LearningRate = 5e-4 },
                ValImages = 8, MaxObjects = 3, Threads = 1, OutputDirectory = Path.Combine(dir, sub),
            };
            var m4 = TrainPipeline.Run(Options(model, "m4"), TextWriter.Null);
            string state = Path.Combine(dir, "m4", "qat-state.pth");
            Assert.True(File.Exists(state));

            // round trip: a fresh model loaded from the state holds exactly the saved tensors
            var saved = PthReader.Read(state);
            var fresh = new AqdDetectorModel(model with { Bits = 2 });
            ModelState.Load(fresh, state);
            foreach (var (name, p) in fresh.Params.Parameters)
            {
                Assert.Equal(saved[name].Values.Select(v => (float)v), p.data<float>().ToArray());
            }

            var log = new StringWriter();
            var m2 = TrainPipeline.Run(Options(model with { Bits = 2 }, "m2") with { FromQat = state }, log);
            Assert.Contains($"QAT model loaded from {state}", log.ToString());
            Assert.Equal(0, m2.Float.Iterations);
            Assert.Equal(m4.FloatAP.AP, m2.FloatAP.AP);   // AP - float is measured against the float model the chain started from
            Assert.Contains("\"initAp\"", File.ReadAllText(Path.Combine(dir, "m2", "metrics.json")));
            Assert.Equal(2, AqdPolicy.Load(m2.Policy).Bits);
            Assert.True(m2.ApGapPoints <= 0.1, $"AP gap {m2.ApGapPoints} points");
            Assert.True(m2.Packed.CodesTotal - m2.Packed.CodesEqual <= m2.Packed.CodesTotal / 1000);
            Assert.True(new FileInfo(m2.Blob).Length < new FileInfo(m4.Blob).Length, "the 2-bit blob is smaller");

            var shared = Assert.Throws<FormatException>(() => ModelState.Load(new AqdDetectorModel(model with { SharedHeadBn = true }), state));
            Assert.Contains(state, shared.Message);
            var both = Assert.Throws<ArgumentException>(() => TrainPipeline.Run(Options(model, "both") with { FromQat = state, FromFloat = state }, TextWriter.Null));
            Assert.Contains("--from-qat", both.Message);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
