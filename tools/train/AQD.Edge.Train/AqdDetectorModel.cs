using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace AQD.Edge.Train;

/// <summary>Head outputs of one pyramid level (NCHW): FCOS cls [N,C], box [N,4] (ltrb in strides, after ReLU(scale x)), ctr [N,1]; RetinaNet cls [N,9C], box [N,36] (deltas).</summary>
public sealed record LevelOutput(Tensor Cls, Tensor Box, Tensor? Ctr);

/// <summary>How a forward pass runs: float or fake-quant, BN in batch or running statistics, clip calibration, int16 range recording.</summary>
public sealed record ForwardMode(bool Quant, bool Training, bool Calibrate = false, Dictionary<string, double>? GroupMax = null, double BnMomentum = 0.1)
{
    /// <summary>QAT with BN on its running statistics (frozen; gamma and beta still learn): training computes the deployed (folded) function.</summary>
    public static readonly ForwardMode QatTrainFrozenBn = new(true, false);

    public static readonly ForwardMode FloatTrain = new(false, true);
    public static readonly ForwardMode FloatEval = new(false, false);
    public static readonly ForwardMode QatTrain = new(true, true);
    public static readonly ForwardMode QatEval = new(true, false);
}

/// <summary>
/// The trainable AQD detector: exactly the structure of <see cref="Aqd.AqdNetworkBuilder"/>
/// (docs/aqd-models.md), layer for layer and quantizer for quantizer, named with the checkpoint
/// convention (<c>AqdCheckpointNames</c>) so export is a walk over the layers:
/// stem conv 7x7/2 (8-bit weights) + BN + ReLU -> 8-bit quantizer -> max pool; ResNet-18 basic
/// blocks (block input quantizer shared by conv1 and the 1x1 shortcut, conv1 -> b-bit, conv2 and
/// shortcut into the higher-precision stream, add + ReLU); FPN laterals 1x1 + BN + ReLU, top-down
/// nearest 2x + add + ReLU, output 3x3 convs + BN + ReLU on quantized sums, P3-P7 quantized with the
/// head's input clip (P6 from P5 for FCOS, from quantized C5 for RetinaNet); shared towers with one BN
/// per level (multi-level BN), the last tower output 8-bit, 8-bit prediction convs with bias; FCOS box
/// = ReLU(scale_l x). In fake-quant mode the head outputs are quantized to the engine's fixed output
/// formats (int8 / uint8 at 1/16, RetinaNet deltas 1/32). The int16 stream is not simulated while
/// training (its step is ~1/16000 of the range); <see cref="FoldedSimulator"/> does it for evaluation.
/// </summary>
public sealed class AqdDetectorModel
{
    public ModelConfig Config { get; }
    public ParameterSet Params { get; } = new();
    public QConv Stem { get; }
    public ActQuant StemOut { get; }
    public List<Block> Blocks { get; } = [];
    public QConv[] Laterals { get; }
    public ActQuant[] LateralIn { get; }
    public QConv[] Outputs { get; }
    public ActQuant[] OutputIn { get; }
    public ActQuant HeadIn { get; }
    public QConv P6 { get; }
    public QConv P7 { get; }
    public QConv[] ClsTower { get; }
    public QConv[] BoxTower { get; }
    public ActQuant[] ClsTowerOut { get; }
    public ActQuant[] BoxTowerOut { get; }
    public QConv ClsPred { get; }
    public QConv BoxPred { get; }
    public QConv? CtrPred { get; }
    public Parameter[] LevelScales { get; }
    public string Head { get; }

    /// <summary>
    /// Int16 scales of the stream groups (layer2..4, fpn) and the power-of-two shift of layer1 below the
    /// stem scale, fixed at QAT start (<see cref="CheckpointExport.CalibrateInt16"/>): when set, fake-quant
    /// forwards round the residual stream and the FPN sums to int16 at these scales (straight-through), as
    /// the engine does; export writes the same scales. Null: not simulated (float training, calibration).
    /// </summary>
    public Dictionary<string, double>? Int16Scales { get; set; }

    /// <summary>The int16 scale of a group now (layer1 follows the learned stem clip: stem scale / 2^e).</summary>
    public double GroupScale(string group)
    {
        var s = Int16Scales ?? throw new InvalidOperationException("int16 scales are not calibrated.");
        return group == "layer1" ? Math.ScaleB(Math.Max(Math.Abs(StemOut.Clip.item<float>()), Quantizers.MinClip) / 255, -(int)s["layer1.shift"]) : s[group];
    }

    public sealed record Block(QConv Conv1, QConv Conv2, QConv? Shortcut, ActQuant In, ActQuant Mid, int Stage);

    public AqdDetectorModel(ModelConfig config)
    {
        config.Validate();
        Config = config;
        int w = config.BackboneWidth, f = config.FpnChannels, b = config.Bits;
        var ps = Params;
        Stem = new QConv(ps, "backbone.bottom_up.stem.conv1", 3, w, 7, 2, 8, 1);
        StemOut = new ActQuant(ps, "backbone.bottom_up.stem.quan_out.clip_val", 8);
        int cin = w;
        for (int s = 0; s < 4; s++)
        {
            int ch = w << s;
            for (int j = 0; j < 2; j++)
            {
                string p = $"backbone.bottom_up.res{s + 2}.{j}.";
                int stride = s > 0 && j == 0 ? 2 : 1;
                var shortcut = stride != 1 || cin != ch ? new QConv(ps, p + "shortcut", cin, ch, 1, stride, b, 1) : null;
                Blocks.Add(new Block(new QConv(ps, p + "conv1", cin, ch, 3, stride, b, 1), new QConv(ps, p + "conv2", ch, ch, 3, 1, b, 1), shortcut,
                    new ActQuant(ps, p + "conv1.quan_act.clip_val", b), new ActQuant(ps, p + "conv2.quan_act.clip_val", b), s));
                cin = ch;
            }
        }
        int[] cs = [2 * w, 4 * w, 8 * w];
        Laterals = [.. Enumerable.Range(0, 3).Select(i => new QConv(ps, $"backbone.fpn_lateral{i + 3}", cs[i], f, 1, 1, b, 1))];
        LateralIn = [.. Enumerable.Range(0, 3).Select(i => new ActQuant(ps, $"backbone.fpn_lateral{i + 3}.quan_act.clip_val", b))];
        Outputs = [.. Enumerable.Range(0, 3).Select(i => new QConv(ps, $"backbone.fpn_output{i + 3}", f, f, 3, 1, b, 1))];
        OutputIn = [.. Enumerable.Range(0, 3).Select(i => new ActQuant(ps, $"backbone.fpn_output{i + 3}.quan_act.clip_val", b))];
        P6 = new QConv(ps, "backbone.top_block.p6", config.Fcos ? f : 8 * w, f, 3, 2, b, 1);
        P7 = new QConv(ps, "backbone.top_block.p7", f, f, 3, 2, b, 1);

        Head = config.Fcos ? "proposal_generator.fcos_head." : "head.";
        string clsTower = config.Fcos ? "cls_tower" : "cls_subnet", boxTower = config.Fcos ? "bbox_tower" : "bbox_subnet";
        string clsPred = config.Fcos ? "cls_logits" : "cls_score";
        HeadIn = new ActQuant(ps, $"{Head}{clsTower}.0.quan_act.clip_val", b);
        int hc = config.HeadConvs;
        ClsTower = [.. Enumerable.Range(0, hc).Select(i => new QConv(ps, $"{Head}{clsTower}.{i}", f, f, 3, 1, b, 5, config.SharedHeadBn, initStd: 0.01))];
        BoxTower = [.. Enumerable.Range(0, hc).Select(i => new QConv(ps, $"{Head}{boxTower}.{i}", f, f, 3, 1, b, 5, config.SharedHeadBn, initStd: 0.01))];
        ActQuant TowerOut(string tower, string pred, int i) =>
            new(ps, i + 1 < hc ? $"{Head}{tower}.{i + 1}.quan_act.clip_val" : $"{Head}{pred}.quan_act.clip_val", i + 1 < hc ? b : 8);
        ClsTowerOut = [.. Enumerable.Range(0, hc).Select(i => TowerOut(clsTower, clsPred, i))];
        BoxTowerOut = [.. Enumerable.Range(0, hc).Select(i => TowerOut(boxTower, "bbox_pred", i))];
        int a = config.Fcos ? 1 : Aqd.AqdModelOptions.AnchorsPerLocation;
        ClsPred = new QConv(ps, Head + clsPred, f, a * config.NumClasses, 3, 1, 8, 0, bias: true, initStd: 0.01);
        BoxPred = new QConv(ps, Head + "bbox_pred", f, a * 4, 3, 1, 8, 0, bias: true, initStd: 0.01);
        CtrPred = config.Fcos ? new QConv(ps, Head + "ctrness", f, 1, 3, 1, 8, 0, bias: true, initStd: 0.01) : null;
        using (no_grad())
        {
            ClsPred.Bias!.fill_(-Math.Log(99));   // prior 0.01 (focal loss)
            if (config.Fcos)
            {
                BoxPred.Bias!.fill_(1.0);           // about one stride per side at the start
            }
        }
        LevelScales = config.Fcos ? [.. Enumerable.Range(0, 5).Select(l => ps.Add($"{Head}scales.{l}.scale", tensor(1f)))] : [];
        foreach (var c in AllConvs())
        {
            c.ResetAlpha();
        }
    }

    public IEnumerable<QConv> AllConvs()
    {
        yield return Stem;
        foreach (var blk in Blocks)
        {
            yield return blk.Conv1;
            yield return blk.Conv2;
            if (blk.Shortcut is not null)
            {
                yield return blk.Shortcut;
            }
        }
        foreach (var c in Laterals.Concat(Outputs).Append(P6).Append(P7).Concat(ClsTower).Concat(BoxTower).Append(ClsPred).Append(BoxPred))
        {
            yield return c;
        }
        if (CtrPred is not null)
        {
            yield return CtrPred;
        }
    }

    public IEnumerable<ActQuant> AllQuantizers()
    {
        yield return StemOut;
        foreach (var blk in Blocks)
        {
            yield return blk.In;
            yield return blk.Mid;
        }
        foreach (var q in LateralIn.Concat(OutputIn).Append(HeadIn).Concat(ClsTowerOut).Concat(BoxTowerOut))
        {
            yield return q;
        }
    }

    /// <summary>Keeps the constrained parameters valid after an optimizer step: positive BN gammas, clips, level scales.</summary>
    public void Constrain()
    {
        foreach (var c in AllConvs())
        {
            c.Constrain();
        }
        foreach (var q in AllQuantizers())
        {
            q.Constrain();
        }
        using var _ = no_grad();
        foreach (var s in LevelScales)
        {
            s.clamp_(min: 1e-2);
        }
    }

    /// <summary>Converts BGR HWC bytes (images of the configured size) to the input tensor: NCHW float, pixel - zero point.</summary>
    public static Tensor InputTensor(IReadOnlyList<byte[]> bgr, int size)
    {
        var data = new float[bgr.Count * 3 * size * size];
        int plane = size * size;
        for (int n = 0; n < bgr.Count; n++)
        {
            var img = bgr[n];
            int o = n * 3 * plane;
            for (int p = 0; p < plane; p++)
            {
                data[o + p] = img[3 * p] - ModelConfig.InputZeroPoint;
                data[o + plane + p] = img[3 * p + 1] - ModelConfig.InputZeroPoint;
                data[o + 2 * plane + p] = img[3 * p + 2] - ModelConfig.InputZeroPoint;
            }
        }
        return tensor(data, [bgr.Count, 3, size, size]);
    }

    public LevelOutput[] Forward(Tensor x, ForwardMode m)
    {
        bool q = m.Quant, cal = m.Calibrate;
        bool fold = q && !m.Training;
        // Conv + BN. In fake-quant with BN on running statistics (QAT with frozen BN, evaluation) the BN
        // is folded the way the lowering folds it: y = g (acc + round(offset / (g s_in s_w)) s_in s_w),
        // an integer bias at the accumulator scale (straight-through rounding), so training computes the
        // deployed function (up to the int16 stream rounding and the 31-bit multipliers).
        Tensor ConvBnW(QConv c, Tensor w, Tensor input, Tensor? sIn, bool relu, int level)
        {
            var acc = c.Conv(input, w);
            var bn = c.Norms[level];
            Tensor y;
            if (fold && sIn is not null)
            {
                var g = bn.Gamma / (bn.RunningVar + ModelConfig.BnEps).sqrt();
                var offset = bn.Beta - g * bn.RunningMean;
                var unit = sIn * c.WeightScale();
                var bias = Quantizers.RoundSte(offset / (g * unit)) * unit;
                y = g.view(1, -1, 1, 1) * (acc + bias.view(1, -1, 1, 1));
            }
            else
            {
                y = bn.Forward(acc, m.Training, m.BnMomentum);
            }
            return relu ? y.relu() : y;
        }
        Tensor ConvBn(QConv c, Tensor input, Tensor? sIn, bool relu, int level = 0) => ConvBnW(c, c.Weights(q), input, sIn, relu, level);
        Tensor? Scale(ActQuant a) => q ? a.Scale() : null;
        using var one = tensor(1f);

        var groupScale = q && Int16Scales is not null ? new[] { "layer1", "layer2", "layer3", "layer4", "fpn" }.ToDictionary(g => g, GroupScale) : null;
        Tensor Record(string group, Tensor t)
        {
            if (m.GroupMax is not null)
            {
                double v = t.detach().abs().max().item<float>();
                m.GroupMax[group] = Math.Max(m.GroupMax.GetValueOrDefault(group), v);
            }
            if (groupScale is null)
            {
                return t;
            }
            double gs = groupScale[group];
            return Quantizers.RoundSte(t / gs).clamp(short.MinValue, short.MaxValue) * gs;
        }

        var stem = StemOut.Apply(q, cal, ConvBn(Stem, x, q ? one : null, relu: true));
        var stream = max_pool2d(stem, [3, 3], [2, 2], [1, 1]);
        var stages = new Tensor[4];
        foreach (var blk in Blocks)
        {
            string g = $"layer{blk.Stage + 1}";
            var xq = blk.In.Apply(q, cal, stream);
            var h = blk.Mid.Apply(q, cal, ConvBn(blk.Conv1, xq, Scale(blk.In), relu: true));
            var y = Record(g, ConvBn(blk.Conv2, h, Scale(blk.Mid), relu: false));
            var idn = stream;
            if (blk.Shortcut is not null)
            {
                idn = Record(g, ConvBn(blk.Shortcut, xq, Scale(blk.In), relu: false));
            }
            stream = Record(g, (y + idn).relu());
            stages[blk.Stage] = stream;
        }
        Tensor[] c = [stages[1], stages[2], stages[3]];
        var lq = new Tensor[3];
        var lat = new Tensor[3];
        for (int i = 2; i >= 0; i--)
        {
            lq[i] = LateralIn[i].Apply(q, cal, c[i]);
            lat[i] = Record("fpn", ConvBn(Laterals[i], lq[i], Scale(LateralIn[i]), relu: true));
        }
        var t5 = lat[2];
        var t4 = Record("fpn", (lat[1] + interpolate(t5, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest)).relu());
        var t3 = Record("fpn", (lat[0] + interpolate(t4, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest)).relu());
        Tensor[] ts = [t3, t4, t5];
        var outs = new Tensor[3];
        for (int i = 0; i < 3; i++)
        {
            outs[i] = ConvBn(Outputs[i], OutputIn[i].Apply(q, cal, ts[i]), Scale(OutputIn[i]), relu: true);
        }
        var ps = HeadIn.Apply(q, cal, outs);
        var p6 = HeadIn.Apply(q, cal, ConvBn(P6, Config.Fcos ? ps[2] : lq[2], Scale(Config.Fcos ? HeadIn : LateralIn[2]), relu: true));
        var p7 = HeadIn.Apply(q, cal, ConvBn(P7, p6, Scale(HeadIn), relu: true));
        Tensor[] levels = [ps[0], ps[1], ps[2], p6, p7];

        Tensor[] Tower(QConv[] convs, ActQuant[] quants)
        {
            var xs = levels;
            for (int i = 0; i < convs.Length; i++)
            {
                var w = convs[i].Weights(q);
                var sIn = Scale(i == 0 ? HeadIn : quants[i - 1]);
                var ys = new Tensor[5];
                if (Config.SharedHeadBn && m.Training)
                {
                    // one BN for all levels: batch statistics over the five levels together (running statistics too)
                    var accs = xs.Select(x => convs[i].Conv(x, w)).ToArray();
                    var joint = cat([.. accs.Select(a => a.flatten(2))], 2).unsqueeze(3);
                    var normed = convs[i].Norms[0].Forward(joint, true, m.BnMomentum).squeeze(3).relu();
                    var parts = normed.split([.. accs.Select(a => a.shape[2] * a.shape[3])], 2);
                    for (int l = 0; l < 5; l++)
                    {
                        ys[l] = parts[l].reshape(accs[l].shape);
                    }
                }
                else
                {
                    for (int l = 0; l < 5; l++)
                    {
                        ys[l] = ConvBnW(convs[i], w, xs[l], sIn, relu: true, l);
                    }
                }
                xs = quants[i].Apply(q, cal, ys);
            }
            return xs;
        }
        var cls = Tower(ClsTower, ClsTowerOut);
        var box = Tower(BoxTower, BoxTowerOut);
        var wc = ClsPred.Weights(q);
        var wb = BoxPred.Weights(q);
        var wt = CtrPred?.Weights(q);
        // prediction conv: in fake-quant its bias is an integer at the accumulator scale, as in the blob
        Tensor Predict(QConv c, Tensor x, Tensor w, ActQuant input)
        {
            if (!q)
            {
                return c.Conv(x, w);
            }
            var unit = input.Scale() * c.WeightScale();
            var bias = Quantizers.RoundSte(c.Bias! / unit) * unit;
            return conv2d(x, w, null, strides: [1, 1], padding: [c.Kernel / 2, c.Kernel / 2]) + bias.view(1, -1, 1, 1);
        }
        var result = new LevelOutput[5];
        for (int l = 0; l < 5; l++)
        {
            var lc = Predict(ClsPred, cls[l], wc, ClsTowerOut[^1]);
            var lb = Predict(BoxPred, box[l], wb, BoxTowerOut[^1]);
            Tensor? lt = null;
            if (Config.Fcos)
            {
                lb = (LevelScales[l] * lb).relu();
                lt = Predict(CtrPred!, box[l], wt!, BoxTowerOut[^1]);
            }
            if (q)
            {
                lc = Quantizers.FixedOutput(lc, 1.0 / 16, -128, 127);
                lb = Config.Fcos ? Quantizers.FixedOutput(lb, 1.0 / 16, 0, 255) : Quantizers.FixedOutput(lb, 1.0 / 32, -128, 127);
                lt = lt is null ? null : Quantizers.FixedOutput(lt, 1.0 / 16, -128, 127);
            }
            result[l] = new LevelOutput(lc, lb, lt);
        }
        return result;
    }
}
