using System.Globalization;
using AQD.Edge.Aqd;
using AQD.Edge.Train;

// aqd-train run [options]: float training -> AQD QAT -> export (.pth + policy) -> pack -> integer-engine evaluation.
return Cli.Run(args);

internal static class Cli
{
    private const string Usage = """
        usage: aqd-train run --out DIR [--family fcos|retinanet] [--bits 2|3|4|8] [--width 16] [--fpn 32] [--head-convs 4]
                             [--size 128] [--classes 10] [--shared-bn] [--float-iters 2000] [--qat-iters 1000] [--batch 16]
                             [--lr 2e-3] [--qat-lr 5e-4] [--val 200] [--max-objects 6] [--min-px 12] [--max-px 0]
                             [--threads 1] [--seed 1] [--log-every 20] [--from-float RUN/float.pth | --from-qat RUN/qat-state.pth]
                             [--qat-batch-bn] [--bn-calib 16]
        QAT trains with BN frozen on statistics re-estimated under fake quantization (--bn-calib batches);
        --qat-batch-bn uses batch statistics instead.
        Trains FCOS / RetinaNet (ResNet-18-style, FPN, shared heads with multi-level BN) on MNIST digit scenes,
        then AQD QAT at M{bits}F8L8 from the float weights; writes DIR/qat.pth, DIR/policy.json, DIR/model.aqd,
        DIR/metrics.json, DIR/float.pth (the float model; --from-float starts QAT from one) and DIR/qat-state.pth (the QAT
        model's latent weights; --from-qat starts QAT at another bit width from one: progressive quantization), and compares
        the fake-quant model with the packed integer model on the val split.
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" || args[0] != "run")
        {
            Console.Error.WriteLine(Usage);
            return args.Length > 0 && args[0] is "-h" or "--help" ? 0 : 2;
        }
        var kv = new Dictionary<string, string>();
        var flags = new HashSet<string>();
        for (int i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"aqd-train: unexpected argument '{args[i]}'.\n{Usage}");
                return 2;
            }
            if (args[i] is "--shared-bn" or "--qat-batch-bn")
            {
                flags.Add(args[i]);
            }
            else if (i + 1 < args.Length)
            {
                kv[args[i]] = args[++i];
            }
            else
            {
                Console.Error.WriteLine($"aqd-train: {args[i]} needs a value.");
                return 2;
            }
        }
        try
        {
            int I(string k, int d) => kv.Remove(k, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : d;
            double D(string k, double d) => kv.Remove(k, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : d;
            string? S(string k) => kv.Remove(k, out var v) ? v : null;
            string out_ = S("--out") ?? throw new ArgumentException("--out DIR is required.");
            var family = (S("--family") ?? "fcos").ToLowerInvariant() switch
            {
                "fcos" => AqdFamily.Fcos,
                "retinanet" => AqdFamily.RetinaNet,
                var f => throw new ArgumentException($"--family {f}: fcos or retinanet."),
            };
            int batch = I("--batch", 16), logEvery = I("--log-every", 20);
            var model = new ModelConfig
            {
                Family = family, Bits = I("--bits", 4), BackboneWidth = I("--width", 16), FpnChannels = I("--fpn", 32), HeadConvs = I("--head-convs", 4),
                ImageSize = I("--size", 128), NumClasses = I("--classes", 10), SharedHeadBn = flags.Contains("--shared-bn"),
            };
            int floatIters = I("--float-iters", 2000), qatIters = I("--qat-iters", 1000);
            var o = new PipelineOptions
            {
                Model = model, OutputDirectory = out_,
                Float = new PhaseOptions { Iterations = floatIters, Batch = batch, LearningRate = D("--lr", 2e-3), Warmup = Math.Min(100, floatIters / 10), LogEvery = logEvery },
                Qat = new PhaseOptions { Iterations = qatIters, Batch = batch, LearningRate = D("--qat-lr", 5e-4), Warmup = Math.Min(50, qatIters / 10), LogEvery = logEvery },
                ValImages = I("--val", 200), MaxObjects = I("--max-objects", 6), MinObjectPx = I("--min-px", 12), MaxObjectPx = I("--max-px", 0),
                Threads = I("--threads", 1), Seed = I("--seed", 1), FromFloat = S("--from-float"), FromQat = S("--from-qat"), QatFrozenBn = !flags.Contains("--qat-batch-bn"),
                BnCalibrationBatches = I("--bn-calib", 16),
            };
            if (kv.Count > 0)
            {
                throw new ArgumentException($"unknown option(s): {string.Join(", ", kv.Keys)}");
            }
            var r = TrainPipeline.Run(o, Console.Out);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"summary: float {r.Float.ImagesPerSecond:F1} img/s, QAT {r.Qat.ImagesPerSecond:F1} img/s; AP float {r.FloatAP.AP:F4}, QAT {r.QatAP.AP:F4}, fake-quant folded {r.Packed.Folded.AP:F4}, engine {r.Packed.Engine.AP:F4} (gap {r.ApGapPoints:F3} points); codes {100 * r.Packed.CodeAgreement:F3}% equal"));
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"aqd-train: {e.Message}");
            return 2;
        }
    }
}
