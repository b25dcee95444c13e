using System.Globalization;
using System.Text.Json;
using AQD.Edge.DetectionData;
using TorchSharp;
using static TorchSharp.torch;

namespace AQD.Edge.Train;

/// <summary>Everything a pipeline run takes.</summary>
public sealed record PipelineOptions
{
    public ModelConfig Model { get; init; } = new();
    public PhaseOptions Float { get; init; } = new() { Iterations = 2000, LearningRate = 2e-3 };
    public PhaseOptions Qat { get; init; } = new() { Iterations = 1000, LearningRate = 5e-4, Warmup = 50 };
    public int ValImages { get; init; } = 200;
    public long DataSeed { get; init; } = 1;
    public int MinObjects { get; init; } = 1;
    public int MaxObjects { get; init; } = 6;
    public int MinObjectPx { get; init; } = 12;
    public int MaxObjectPx { get; init; } = 0;   // 0: 45% of the image side
    public int Threads { get; init; } = 1;
    public int Seed { get; init; } = 1;
    public required string OutputDirectory { get; init; }

    /// <summary>A float.pth of an earlier run with the same model: skip float training, start QAT from it.</summary>
    public string? FromFloat { get; init; }

    /// <summary>
    /// A qat-state.pth of an earlier QAT run with the same model (any bit width): start this QAT from its
    /// latent weights, BN and scales instead of the float model (progressive quantization, e.g. 2 bits from
    /// the 4-bit model). Clips and BN statistics are re-calibrated for this run's bit width as usual.
    /// </summary>
    public string? FromQat { get; init; }

    /// <summary>QAT with BN frozen on statistics re-estimated under fake quantization (default), or BN on batch statistics.</summary>
    public bool QatFrozenBn { get; init; } = true;

    /// <summary>Batches for the BN re-estimation before QAT.</summary>
    public int BnCalibrationBatches { get; init; } = 16;

    public DigitSceneOptions Scenes => new()
    {
        Seed = DataSeed, ImageSize = Model.ImageSize, MinObjects = MinObjects, MaxObjects = MaxObjects, MinObjectPx = MinObjectPx,
        MaxObjectPx = MaxObjectPx > 0 ? MaxObjectPx : Math.Max(MinObjectPx + 4, Model.ImageSize * 45 / 100),
    };
}

/// <summary>Figures of a pipeline run (also written as metrics.json).</summary>
public sealed record PipelineResult(ModelConfig Model, PhaseResult Float, PhaseResult Qat, CocoMetrics FloatAP, CocoMetrics QatAP,
    PackedComparison Packed, string Checkpoint, string Policy, string Blob, int BlobBytes, double QatCodesEqualToFolded)
{
    /// <summary>|AP(fake-quant, folded) - AP(integer engine)| in AP points (x100).</summary>
    public double ApGapPoints => Math.Abs(Packed.Folded.AP - Packed.Engine.AP) * 100;
}

/// <summary>
/// train -> QAT -> export -> pack -> engine evaluation: float training from scratch; QAT from the float
/// weights (clips calibrated on a batch, then trained); int16 scales calibrated; export to
/// qat.pth + policy.json; pack to model.aqd through the pack-aqd code path; evaluation of the float model,
/// the QAT model (fake-quant, eval mode), the folded fake-quant simulation and the integer engine on the
/// val split with the same decode and COCO evaluator.
/// </summary>
public static class TrainPipeline
{
    public static PipelineResult Run(PipelineOptions o, TextWriter log)
    {
        var c = o.Model;
        c.Validate();
        string? init = o.FromQat ?? o.FromFloat;
        if (o.FromFloat is not null && o.FromQat is not null)
        {
            throw new ArgumentException($"--from-float {o.FromFloat} and --from-qat {o.FromQat}: give one starting point.");
        }
        if ((init is null && o.Float.Iterations < 1) || o.Qat.Iterations < 1 || o.Float.Batch < 1 || o.Qat.Batch < 1 || o.ValImages < 1 || o.Threads < 1
            || !(o.Float.LearningRate > 0) || !(o.Qat.LearningRate > 0) || o.Float.LogEvery < 1 || o.Qat.LogEvery < 1)
        {
            throw new ArgumentException($"iterations ({o.Float.Iterations}, {o.Qat.Iterations}), batch sizes, val images ({o.ValImages}), threads ({o.Threads}), learning rates and log intervals must be positive.");
        }
        if (init is not null && !File.Exists(init))
        {
            throw new ArgumentException($"{(o.FromQat is null ? "--from-float" : "--from-qat")} {init}: no such file.");
        }
        Directory.CreateDirectory(o.OutputDirectory);
        torch.set_num_threads(o.Threads);
        torch.manual_seed(o.Seed);
        var scenes = o.Scenes;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"aqd-train: {(c.Fcos ? "FCOS" : "RetinaNet")}-R18 width {c.BackboneWidth} FPN {c.FpnChannels} head convs {c.HeadConvs} M{c.Bits}F8L8 {c.ImageSize}x{c.ImageSize} {c.NumClasses} classes{(c.SharedHeadBn ? " shared head BN" : " multi-level BN")}; torch threads {o.Threads}; objects {scenes.MinObjects}-{scenes.MaxObjects} of {scenes.MinObjectPx}-{scenes.MaxObjectPx} px"));
        var val = DigitScenes.Split(scenes, "val", o.ValImages);
        var model = new AqdDetectorModel(c);
        long nparams = model.Params.Parameters.Sum(p => p.P.numel());
        log.WriteLine($"model: {nparams:N0} parameters, {model.AllConvs().Count()} conv weight sets, {model.AllQuantizers().Count()} activation quantizers");

        Func<int, IReadOnlyList<DetectionSample>> Source(PhaseOptions p, int offset) =>
            it => [.. Enumerable.Range(0, p.Batch).Select(i => DigitScenes.Generate(scenes, "train", offset + it * p.Batch + i))];

        PhaseResult floatPhase;
        if (init is not null)
        {
            ModelState.Load(model, init);
            floatPhase = new PhaseResult(o.FromQat is null ? "float (loaded)" : "QAT state (loaded)", 0, 0, 0, double.NaN);
            log.WriteLine(o.FromQat is null ? $"float model loaded from {init}" : $"QAT model loaded from {init} (progressive: its latent weights start this M{c.Bits} QAT)");
        }
        else
        {
            floatPhase = Trainer.Run(model, ForwardMode.FloatTrain, o.Float, Source(o.Float, 0), log, "float");
            ModelState.Save(model, Path.Combine(o.OutputDirectory, "float.pth"));
        }
        var floatAp = Evaluation.EvalModel(model, ForwardMode.FloatEval, val);
        CocoMetrics? initAp = null;
        if (o.FromQat is not null)
        {
            // The reference of a progressive run is the float model its chain started from: the source run's floatAp.
            initAp = floatAp;
            log.WriteLine($"loaded QAT state evaluated without quantization: val {initAp}");
            var source = SourceFloatAp(o.FromQat);
            floatAp = source ?? floatAp;
            log.WriteLine(source is null
                ? $"no metrics.json beside {o.FromQat}: AP - float is measured against the loaded model"
                : $"float model of the source run (its metrics.json: the reference of AP - float): val {floatAp}");
        }
        else
        {
            log.WriteLine($"float model: val {floatAp}");
        }

        var calib = AqdDetectorModel.InputTensor([.. Enumerable.Range(0, 16).Select(i => DigitScenes.Generate(scenes, "train", 5_000_000 + i).Bgr)], c.ImageSize);
        Trainer.CalibrateClips(model, calib);
        if (o.BnCalibrationBatches > 0)
        {
            Trainer.RecalibrateBn(model, Enumerable.Range(0, o.BnCalibrationBatches).Select(b =>
                AqdDetectorModel.InputTensor([.. Enumerable.Range(0, o.Qat.Batch).Select(i => DigitScenes.Generate(scenes, "train", 6_000_000 + b * o.Qat.Batch + i).Bgr)], c.ImageSize)));
            Trainer.FloorRunningVariance(model);
            Trainer.CalibrateClips(model, calib);
        }
        CheckpointExport.CalibrateInt16(model, [calib]);   // fixed from here: QAT sees the int16 stream the engine computes
        var calibratedAp = Evaluation.EvalModel(model, ForwardMode.QatEval, val);
        log.WriteLine($"M{c.Bits}F8L8 after clip calibration{(o.BnCalibrationBatches > 0 ? " and BN re-estimation" : "")} (before QAT): val AP {calibratedAp.AP:F4} AP50 {calibratedAp.AP50:F4}");
        var qatPhase = Trainer.Run(model, o.QatFrozenBn ? ForwardMode.QatTrainFrozenBn : ForwardMode.QatTrain, o.Qat, Source(o.Qat, o.Float.Iterations * o.Float.Batch), log, $"qat-m{c.Bits}");
        var qatAp = Evaluation.EvalModel(model, ForwardMode.QatEval, val);
        log.WriteLine($"QAT model (fake-quant, BN unfolded, float32): val {qatAp}");
        ModelState.Save(model, Path.Combine(o.OutputDirectory, "qat-state.pth"));   // latent weights: --from-qat of a later run

        var sd = CheckpointExport.StateDict(model);
        string pth = Path.Combine(o.OutputDirectory, "qat.pth"), policy = Path.Combine(o.OutputDirectory, "policy.json"), blob = Path.Combine(o.OutputDirectory, "model.aqd");
        CheckpointExport.Write(pth, policy, c, sd);
        log.WriteLine($"exported {pth} ({sd.Count} keys, {new FileInfo(pth).Length:N0} bytes) + {policy}");
        using var packed = PackedModel.Pack(pth, policy, blob);
        log.WriteLine($"packed {blob} ({packed.BlobBytes:N0} bytes, {packed.Network.Nodes.Count} layers)");
        var sim = new FoldedSimulator(c, sd);
        var qatVsFolded = Evaluation.CompareQatToFolded(model, sim, val);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"QAT model (float32) vs folded fake-quant head codes: {100 * qatVsFolded.Equal:F2}% equal, {100 * qatVsFolded.WithinOne:F2}% within one code ({qatVsFolded.Total:N0} codes)"));
        var cmp = Evaluation.ComparePacked(c, sim, packed, val);
        log.WriteLine($"fake-quant (folded, float64): val {cmp.Folded}");
        log.WriteLine($"integer engine (packed blob): val {cmp.Engine}");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"head output codes: {cmp.CodesEqual:N0}/{cmp.CodesTotal:N0} equal ({100 * cmp.CodeAgreement:F4}%), max |diff| {cmp.MaxCodeDiff}; AP gap {Math.Abs(cmp.Folded.AP - cmp.Engine.AP) * 100:F3} points"));
        var result = new PipelineResult(c, floatPhase, qatPhase, floatAp, qatAp, cmp, pth, policy, blob, packed.BlobBytes, qatVsFolded.Equal);
        File.WriteAllText(Path.Combine(o.OutputDirectory, "metrics.json"), JsonSerializer.Serialize(new
        {
            model = c, startedFrom = init, floatPhase, qatPhase, calibratedAp, floatAp, initAp, qatAp, foldedAp = cmp.Folded, engineAp = cmp.Engine,
            qatVsFoldedEqual = qatVsFolded.Equal, qatVsFoldedWithinOne = qatVsFolded.WithinOne, codesEqual = cmp.CodesEqual, codesTotal = cmp.CodesTotal, maxCodeDiff = cmp.MaxCodeDiff, valImages = cmp.Images, blobBytes = packed.BlobBytes,
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return result;
    }

    private static readonly JsonSerializerOptions MetricsJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>floatAp of the metrics.json beside a qat-state.pth (null when there is none; an unreadable one is an error naming it).</summary>
    private static CocoMetrics? SourceFloatAp(string state)
    {
        string metrics = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(state))!, "metrics.json");
        if (!File.Exists(metrics))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(metrics));
            return doc.RootElement.TryGetProperty("floatAp", out var e)
                ? e.Deserialize<CocoMetrics>(MetricsJson) ?? throw new FormatException("field 'floatAp' is null")
                : throw new FormatException("field 'floatAp' is missing");
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException)
        {
            throw new FormatException($"{metrics}: the source run's metrics ({e.Message}).", e);
        }
    }
}
