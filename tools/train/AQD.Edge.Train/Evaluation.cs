using AQD.Edge.DetectionData;
using TorchSharp;
using static TorchSharp.torch;

namespace AQD.Edge.Train;

/// <summary>Fake-quant (folded) against integer engine on the same images: APs and head-code agreement.</summary>
public sealed record PackedComparison(CocoMetrics Folded, CocoMetrics Engine, long CodesEqual, long CodesTotal, int MaxCodeDiff, int Images)
{
    public double CodeAgreement => CodesTotal == 0 ? 0 : (double)CodesEqual / CodesTotal;
}

/// <summary>
/// Evaluates a model on a split with one decode (<see cref="HeadDecoder"/>) and one evaluator
/// (<see cref="CocoEvaluator"/>): the training model's own forward (float, or fake-quant in eval mode),
/// the folded integer-exact simulation of the exported checkpoint (<see cref="FoldedSimulator"/>), and the
/// packed blob in the integer engine (<see cref="PackedModel"/>), whose codes are also compared one by one
/// with the simulation's.
/// </summary>
public static class Evaluation
{
    public static double OutputScale(ModelConfig c, int output) => c.Fcos || output % 2 == 0 ? 1.0 / 16 : 1.0 / 32;

    /// <summary>NCHW outputs [N, C, H, W] to per-image NHWC float arrays, times <paramref name="scale"/>.</summary>
    private static float[][][] PerImage(IReadOnlyList<Tensor> outputs, int n, Func<int, double> scale)
    {
        var result = new float[n][][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new float[outputs.Count][];
        }
        for (int o = 0; o < outputs.Count; o++)
        {
            using var nhwc = outputs[o].detach().permute(0, 2, 3, 1).contiguous().to(ScalarType.Float64).mul(scale(o));
            var all = nhwc.data<double>().ToArray();
            int per = all.Length / n;
            for (int i = 0; i < n; i++)
            {
                result[i][o] = [.. all.AsSpan(i * per, per).ToArray().Select(v => (float)v)];
            }
        }
        return result;
    }

    public static IEnumerable<List<T>> Batches<T>(IReadOnlyList<T> items, int size)
    {
        for (int i = 0; i < items.Count; i += size)
        {
            yield return [.. items.Skip(i).Take(size)];
        }
    }

    public static CocoMetrics EvalModel(AqdDetectorModel m, ForwardMode mode, IReadOnlyList<DetectionSample> samples, int batch = 16)
    {
        var c = m.Config;
        var dets = new List<ScoredBox>();
        using (no_grad())
        {
            foreach (var b in Batches(samples, batch))
            {
                GcSafePoint.Enter();
                using var scope = NewDisposeScope();
                var outs = m.Forward(AqdDetectorModel.InputTensor([.. b.Select(s => s.Bgr)], c.ImageSize), mode);
                var flat = outs.SelectMany(o => o.Ctr is null ? new[] { o.Cls, o.Box } : [o.Cls, o.Box, o.Ctr]).ToList();
                var per = PerImage(flat, b.Count, _ => 1.0);
                for (int i = 0; i < b.Count; i++)
                {
                    dets.AddRange(HeadDecoder.Decode(c, b[i].ImageId, per[i]));
                }
            }
        }
        GcSafePoint.Exit();
        return CocoEvaluator.Evaluate(samples, dets, c.NumClasses);
    }

    /// <summary>
    /// The training model's own fake-quant forward (float32, BN unfolded) against the folded model's head
    /// codes: how closely training sees the deployed function (fraction equal, fraction within one code).
    /// </summary>
    public static (double Equal, double WithinOne, long Total) CompareQatToFolded(AqdDetectorModel m, FoldedSimulator sim, IReadOnlyList<DetectionSample> samples, int batch = 16)
    {
        var c = m.Config;
        long equal = 0, near = 0, total = 0;
        using (no_grad())
        {
            foreach (var b in Batches(samples, batch))
            {
                GcSafePoint.Enter();
                using var scope = NewDisposeScope();
                var bgr = b.Select(s => s.Bgr).ToList();
                var outs = m.Forward(AqdDetectorModel.InputTensor(bgr, c.ImageSize), ForwardMode.QatEval);
                var flat = outs.SelectMany(o => o.Ctr is null ? new[] { o.Cls, o.Box } : [o.Cls, o.Box, o.Ctr]).ToList();
                var codes = sim.Forward(bgr);
                for (int o = 0; o < flat.Count; o++)
                {
                    var d = (flat[o].to(ScalarType.Float64) / OutputScale(c, o)).round() - codes[o];
                    if (Environment.GetEnvironmentVariable("AQD_TRAIN_DEBUG") == "1")
                    {
                        Console.WriteLine($"  output {o}: equal {d.eq(0).sum().item<long>()}/{d.numel()} max {d.abs().max().item<double>()} qat-range [{(flat[o] / OutputScale(c, o)).min().item<float>()}, {(flat[o] / OutputScale(c, o)).max().item<float>()}] sim-range [{codes[o].min().item<double>()}, {codes[o].max().item<double>()}]");
                    }
                    equal += d.eq(0).sum().item<long>();
                    near += d.abs().le(1).sum().item<long>();
                    total += d.numel();
                }
            }
        }
        GcSafePoint.Exit();
        return ((double)equal / Math.Max(1, total), (double)near / Math.Max(1, total), total);
    }

    public static PackedComparison ComparePacked(ModelConfig c, FoldedSimulator sim, PackedModel packed, IReadOnlyList<DetectionSample> samples, int batch = 16)
    {
        var simDets = new List<ScoredBox>();
        var engDets = new List<ScoredBox>();
        long equal = 0, total = 0;
        int maxDiff = 0;
        using (no_grad())
        {
            foreach (var b in Batches(samples, batch))
            {
                GcSafePoint.Enter();
                using var scope = NewDisposeScope();
                var codes = sim.Forward([.. b.Select(s => s.Bgr)]);
                var simCodes = PerImage(codes, b.Count, _ => 1.0);
                for (int i = 0; i < b.Count; i++)
                {
                    var eng = packed.Run(b[i].Bgr);
                    var simReal = new float[eng.Length][];
                    var engReal = new float[eng.Length][];
                    for (int o = 0; o < eng.Length; o++)
                    {
                        var sc = simCodes[i][o];
                        if (sc.Length != eng[o].Length)
                        {
                            throw new InvalidOperationException($"output {o}: simulation has {sc.Length} values, the engine {eng[o].Length}.");
                        }
                        double s = OutputScale(c, o);
                        for (int k = 0; k < sc.Length; k++)
                        {
                            int d = Math.Abs((int)sc[k] - eng[o][k]);
                            equal += d == 0 ? 1 : 0;
                            maxDiff = Math.Max(maxDiff, d);
                        }
                        total += sc.Length;
                        simReal[o] = [.. sc.Select(v => (float)(v * s))];
                        engReal[o] = [.. eng[o].Select(v => (float)(v * s))];
                    }
                    simDets.AddRange(HeadDecoder.Decode(c, b[i].ImageId, simReal));
                    engDets.AddRange(HeadDecoder.Decode(c, b[i].ImageId, engReal));
                }
            }
        }
        GcSafePoint.Exit();
        return new PackedComparison(CocoEvaluator.Evaluate(samples, simDets, c.NumClasses), CocoEvaluator.Evaluate(samples, engDets, c.NumClasses),
            equal, total, maxDiff, samples.Count);
    }
}
