using System.Diagnostics;
using System.Globalization;
using AQD.Edge.DetectionData;
using TorchSharp;
using static TorchSharp.torch;

namespace AQD.Edge.Train;

/// <summary>One training phase: iterations, batch size, AdamW with linear warmup and cosine decay.</summary>
public sealed record PhaseOptions
{
    public int Iterations { get; init; } = 1000;
    public int Batch { get; init; } = 16;
    public double LearningRate { get; init; } = 2e-3;
    public double WeightDecay { get; init; } = 1e-4;
    public int Warmup { get; init; } = 100;
    public int LogEvery { get; init; } = 20;
}

/// <summary>Statistics of a finished phase.</summary>
public sealed record PhaseResult(string Phase, int Iterations, double Seconds, double ImagesPerSecond, double FinalLoss);

/// <summary>
/// The training loop (float or QAT): batches of generated scenes, targets, loss, AdamW step, the
/// model's constraints (positive BN gammas and clips), a dispose scope per step; a progress line
/// every <see cref="PhaseOptions.LogEvery"/> iterations with loss terms, images/s and ETA.
/// </summary>
public static class Trainer
{
    public static PhaseResult Run(AqdDetectorModel m, ForwardMode mode, PhaseOptions o, Func<int, IReadOnlyList<DetectionSample>> batchSource,
        TextWriter log, string phase)
    {
        var c = m.Config;
        var parameters = m.Params.Parameters.Select(p => p.P).ToList();
        using var opt = optim.AdamW(parameters, o.LearningRate, weight_decay: o.WeightDecay);
        float[][]? anchors = c.Fcos ? null : Anchors.RetinaAnchors(c);
        var sw = Stopwatch.StartNew();
        double emaLoss = double.NaN, emaCls = 0, emaBox = 0, emaCtr = 0;
        int skipped = 0;
        var next = Task.Run(() => batchSource(0));
        for (int it = 0; it < o.Iterations; it++)
        {
            var batch = next.Result;
            GcSafePoint.Enter();
            int nextIt = it + 1;
            next = Task.Run(() => batchSource(nextIt));
            double lr = LearningRate(o, it);
            foreach (var g in opt.ParamGroups)
            {
                g.LearningRate = lr;
            }
            using var scope = NewDisposeScope();
            var x = AqdDetectorModel.InputTensor([.. batch.Select(s => s.Bgr)], c.ImageSize);
            var boxes = batch.Select(s => s.Boxes).ToList();
            var targets = c.Fcos ? Targets.Fcos(c, boxes) : Targets.Retina(c, anchors!, boxes);
            opt.zero_grad();
            var outs = m.Forward(x, mode);
            var loss = DetectionLoss.Compute(c, outs, targets);
            loss.Total.backward();
            if (Environment.GetEnvironmentVariable("AQD_TRAIN_DEBUG") == "1")
            {
                foreach (var (name, p) in m.Params.Parameters)
                {
                    if (p.grad is not null && !p.grad.isfinite().all().item<bool>())
                    {
                        log.WriteLine($"non-finite gradient: {name} (loss terms {loss.Cls} {loss.Box} {loss.Ctr})");
                    }
                }
            }
            double norm = nn.utils.clip_grad_norm_(parameters, 10.0);
            if (!double.IsFinite(norm))
            {
                skipped++;   // a non-finite gradient (BN backward through near-constant channels can overflow): skip the step
                if (skipped > Math.Max(10, o.Iterations / 10))
                {
                    throw new InvalidOperationException($"{phase}: {skipped} steps with non-finite gradients (last at iteration {it}).");
                }
                continue;
            }
            opt.step();
            m.Constrain();
            double total = loss.Cls + loss.Box + loss.Ctr;
            if (!double.IsFinite(total))
            {
                throw new InvalidOperationException($"{phase}: loss is {total} at iteration {it} (learning rate {lr}).");
            }
            const double k = 0.9;
            emaLoss = double.IsNaN(emaLoss) ? total : k * emaLoss + (1 - k) * total;
            emaCls = it == 0 ? loss.Cls : k * emaCls + (1 - k) * loss.Cls;
            emaBox = it == 0 ? loss.Box : k * emaBox + (1 - k) * loss.Box;
            emaCtr = it == 0 ? loss.Ctr : k * emaCtr + (1 - k) * loss.Ctr;
            if ((it + 1) % o.LogEvery == 0 || it + 1 == o.Iterations)
            {
                double secs = sw.Elapsed.TotalSeconds;
                double ips = (it + 1) * (double)o.Batch / secs;
                double eta = secs / (it + 1) * (o.Iterations - it - 1);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{phase}] it {it + 1,6}/{o.Iterations} loss {emaLoss:F4} (cls {emaCls:F4} box {emaBox:F4} ctr {emaCtr:F4}) pos {loss.Positives,4} lr {lr:E2} {ips,6:F1} img/s ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}{(skipped > 0 ? $" ({skipped} steps skipped: non-finite gradient)" : "")}"));
                log.Flush();
            }
        }
        GcSafePoint.Exit();
        double elapsed = sw.Elapsed.TotalSeconds;
        return new PhaseResult(phase, o.Iterations, elapsed, o.Iterations * (double)o.Batch / Math.Max(elapsed, 1e-9), emaLoss);
    }

    public static double LearningRate(PhaseOptions o, int it)
    {
        if (it < o.Warmup)
        {
            return o.LearningRate * (0.1 + 0.9 * it / Math.Max(1, o.Warmup));
        }
        double t = (it - o.Warmup) / (double)Math.Max(1, o.Iterations - o.Warmup);
        return o.LearningRate * (0.02 + 0.98 * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }

    /// <summary>
    /// Re-estimates every BN's running statistics under fake quantization (cumulative average over the
    /// batches, no gradient): the float model's statistics do not describe the quantized network's
    /// accumulators, and QAT with frozen BN trains on them.
    /// </summary>
    public static void RecalibrateBn(AqdDetectorModel m, IEnumerable<Tensor> batches)
    {
        int i = 0;
        using var _ = no_grad();
        foreach (var q in m.AllQuantizers())
        {
            q.Calibrated = false;   // the first batch sets the clips from batch-statistics activations
        }
        foreach (var x in batches)
        {
            using var scope = NewDisposeScope();
            m.Forward(x, new ForwardMode(true, true, Calibrate: i == 0, BnMomentum: 1.0 / (i + 1)));
            i++;
        }
    }

    /// <summary>
    /// Adds 1e-3 of each BN's mean running variance to its running variance (the builder's and the
    /// fixture script's floor): a channel that was constant on the calibration batches (a 2-bit input
    /// that quantized to zero everywhere, P7 at 1x1) otherwise divides by sqrt(eps) and multiplies
    /// activations and gradients by ~300 per layer.
    /// </summary>
    public static void FloorRunningVariance(AqdDetectorModel m)
    {
        using var _ = no_grad();
        foreach (var bn in m.AllConvs().SelectMany(c => c.Norms).Distinct())
        {
            bn.RunningVar.add_(bn.RunningVar.mean() * 1e-3);
        }
    }

    /// <summary>Re-initializes every activation clip (99.9th percentile, sequentially through the fake-quant network) and weight clip.</summary>
    public static void CalibrateClips(AqdDetectorModel m, Tensor x)
    {
        foreach (var q in m.AllQuantizers())
        {
            q.Calibrated = false;
        }
        foreach (var conv in m.AllConvs())
        {
            conv.ResetAlpha();
        }
        using (no_grad())
        {
            using var scope = NewDisposeScope();
            m.Forward(x, ForwardMode.QatEval with { Calibrate = true });
        }
    }
}
