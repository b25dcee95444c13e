using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Preparation;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace AQD.Edge.Train;

/// <summary>
/// The QAT model's deployed form, evaluated from its exported state_dict: the fake-quant network
/// with BN folded exactly as the method defines it and the lowering does it (aqd-method.md "Integer
/// arithmetic", docs/aqd-models.md "Lowering") — per output channel a multiplier M_c = (M0, n) nearest
/// to g s_in s_w / s_out (FixedPointMultiplier) and an integer bias round(offset / (g s_in s_w)) at the
/// accumulator scale — in float64 torch ops: each conv sums integer codes times integer weight levels
/// (exact in double), then floor(((acc + bias) M0 + 2^(n-1)) / 2^n) in int64, clamped to the output
/// range; int16 stream and FPN sums at their scales, requantization of the stream to b-bit conv inputs
/// with the snapped multiplier, exact power-of-two adds, max pool and nearest upsample on codes.
/// Structure: <see cref="AqdDetectorModel"/>. Its head output codes are what the packed integer model
/// must produce (<see cref="EngineEvaluator"/> compares them).
/// </summary>
public sealed class FoldedSimulator
{
    private readonly ModelConfig c;
    private readonly Dictionary<string, Tensor> sd;
    private readonly Dictionary<string, double> groupScale = [];
    private readonly string head;

    public FoldedSimulator(ModelConfig config, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        c = config;
        sd = stateDict.ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(ScalarType.Float64));
        head = c.Fcos ? "proposal_generator.fcos_head." : "head.";
        for (int s = 0; s < 4; s++)
        {
            groupScale[$"layer{s + 1}"] = S($"backbone.bottom_up.res{s + 2}.stream_scale");
        }
        groupScale["fpn"] = S("backbone.fpn_sum_scale");
        // stage 1's first add takes the uint8 max-pool output: the importer snaps its scale to the stem scale / 2^e
        double stem = StemScale;
        groupScale["layer1"] = Math.ScaleB(stem, -Math.Max(0, (int)Math.Round(Math.Log2(stem / groupScale["layer1"]))));
    }

    /// <summary>Diagnostics (AQD_SIM_NO_INT16=1): keep the int16 stream and FPN sums unrounded, to measure what the int16 rounding changes.</summary>
    private static readonly bool NoInt16Rounding = Environment.GetEnvironmentVariable("AQD_SIM_NO_INT16") == "1";

    private double StemScale => S("backbone.bottom_up.stem.quan_out.clip_val") / 255;

    private double S(string key) => Math.Abs(sd[key].flatten()[0].item<double>());

    /// <summary>A quantized activation: integer codes (float64 NCHW) and their scale.</summary>
    private readonly record struct Q(Tensor Codes, double Scale);

    /// <summary>Head output codes per graph output (FCOS cls, box, ctr per level; RetinaNet cls, box), NCHW.</summary>
    public Tensor[] Forward(IReadOnlyList<byte[]> bgr)
    {
        int b = c.Bits, nb = Quantizers.Levels(b);
        var x = new Q(AqdDetectorModel.InputTensor(bgr, c.ImageSize).to(ScalarType.Float64), 1.0);
        var stem = ConvBn(x, "backbone.bottom_up.stem.conv1", 8, 2, StemScale, 0, 255, ".norm");
        var stream = new Q(max_pool2d(stem.Codes, [3, 3], [2, 2], [1, 1]), stem.Scale);
        var stages = new Q[4];
        int cin = c.BackboneWidth;
        for (int s = 0; s < 4; s++)
        {
            int ch = c.BackboneWidth << s;
            double gs = groupScale[$"layer{s + 1}"];
            for (int j = 0; j < 2; j++)
            {
                string p = $"backbone.bottom_up.res{s + 2}.{j}.";
                int stride = s > 0 && j == 0 ? 2 : 1;
                var xq = Requantize(stream, S(p + "conv1.quan_act.clip_val") / nb, nb);
                var h = ConvBn(xq, p + "conv1", b, stride, S(p + "conv2.quan_act.clip_val") / nb, 0, nb, ".norm");
                var y = ConvBn(h, p + "conv2", b, 1, gs, short.MinValue, short.MaxValue, ".norm");
                var idn = stride != 1 || cin != ch ? ConvBn(xq, p + "shortcut", b, stride, gs, short.MinValue, short.MaxValue, ".norm") : stream;
                stream = Add(y, idn, gs);
                cin = ch;
            }
            stages[s] = stream;
        }
        double fs = groupScale["fpn"];
        Q Lateral(Q ci, int k, out Q quantized)
        {
            quantized = Requantize(ci, S($"backbone.fpn_lateral{k}.quan_act.clip_val") / nb, nb);
            return ConvBn(quantized, $"backbone.fpn_lateral{k}", b, 1, fs, 0, short.MaxValue, ".norm");
        }
        var t5 = Lateral(stages[3], 5, out var q5);
        var t4 = Add(Lateral(stages[2], 4, out _), Upsample(t5), fs);
        var t3 = Add(Lateral(stages[1], 3, out _), Upsample(t4), fs);
        double headScale = S($"{head}{(c.Fcos ? "cls_tower" : "cls_subnet")}.0.quan_act.clip_val") / nb;
        Q[] ts = [t3, t4, t5];
        var ps = new Q[5];
        for (int i = 0; i < 3; i++)
        {
            var qi = Requantize(ts[i], S($"backbone.fpn_output{i + 3}.quan_act.clip_val") / nb, nb);
            ps[i] = ConvBn(qi, $"backbone.fpn_output{i + 3}", b, 1, headScale, 0, nb, ".norm");
        }
        ps[3] = ConvBn(c.Fcos ? ps[2] : q5, "backbone.top_block.p6", b, 2, headScale, 0, nb, ".norm");
        ps[4] = ConvBn(ps[3], "backbone.top_block.p7", b, 2, headScale, 0, nb, ".norm");

        Q[] Tower(string name, string pred)
        {
            var xs = ps;
            for (int i = 0; i < c.HeadConvs; i++)
            {
                bool last = i == c.HeadConvs - 1;
                int n = last ? 255 : nb;
                double so = S(last ? $"{head}{pred}.quan_act.clip_val" : $"{head}{name}.{i + 1}.quan_act.clip_val") / n;
                var ys = new Q[5];
                for (int l = 0; l < 5; l++)
                {
                    ys[l] = ConvBn(xs[l], $"{head}{name}.{i}", b, 1, so, 0, n, $".norm.{l}");
                }
                xs = ys;
            }
            return xs;
        }
        var outputs = new List<Tensor>();
        if (c.Fcos)
        {
            var cls = Tower("cls_tower", "cls_logits");
            var box = Tower("bbox_tower", "bbox_pred");
            for (int l = 0; l < 5; l++)
            {
                outputs.Add(Predict(cls[l], "cls_logits", 1.0 / 16, -128, 127, 1));
                outputs.Add(Predict(box[l], "bbox_pred", 1.0 / 16, 0, 255, S($"{head}scales.{l}.scale")));
                outputs.Add(Predict(box[l], "ctrness", 1.0 / 16, -128, 127, 1));
            }
        }
        else
        {
            var cls = Tower("cls_subnet", "cls_score");
            var box = Tower("bbox_subnet", "bbox_pred");
            for (int l = 0; l < 5; l++)
            {
                outputs.Add(Predict(cls[l], "cls_score", 1.0 / 16, -128, 127, 1));
                outputs.Add(Predict(box[l], "bbox_pred", 1.0 / 32, -128, 127, 1));
            }
        }
        return [.. outputs];
    }

    private (Tensor Acc, double Sw) Accumulate(Q x, string prefix, int bits, int stride)
    {
        var w = sd[prefix + ".weight"];
        double alpha = S(prefix + ".quan_w.alpha");
        var levels = Quantizers.WeightLevels(w, tensor(alpha, ScalarType.Float64), bits);
        double sw = alpha / (bits == 8 ? 127 : Quantizers.Levels(bits));
        int k = (int)w.shape[2];
        return (conv2d(x.Codes, levels, strides: [stride, stride], padding: [k / 2, k / 2]), sw);
    }

    private Q ConvBn(Q x, string prefix, int bits, int stride, double sOut, int lo, int hi, string norm)
    {
        var (acc, sw) = Accumulate(x, prefix, bits, stride);
        string n = prefix + norm;
        var gamma = sd[n + ".weight"];
        var g = gamma / (sd[n + ".running_var"] + ModelConfig.BnEps).sqrt();
        var offset = sd[n + ".bias"] - g * sd[n + ".running_mean"];
        return new Q(Requant(acc, x.Scale * sw, g.data<double>().ToArray(), offset.data<double>().ToArray(), sOut, lo, hi), sOut);
    }

    private Tensor Predict(Q x, string name, double sOut, int lo, int hi, double levelScale)
    {
        var (acc, sw) = Accumulate(x, head + name, 8, 1);
        var bias = sd[head + name + ".bias"].data<double>().ToArray();
        var gain = bias.Select(_ => levelScale).ToArray();
        return Requant(acc, x.Scale * sw, gain, [.. bias.Select(v => levelScale * v)], sOut, lo, hi);
    }

    /// <summary>out = clamp(floor(((acc + Bias_c) M0_c + 2^(n_c - 1)) / 2^n_c), lo, hi), Bias_c = round(offset_c / (g_c s_acc)), M_c ~ g_c s_acc / s_out.</summary>
    private static Tensor Requant(Tensor acc, double accScale, double[] gain, double[] offset, double sOut, int lo, int hi)
    {
        int ch = gain.Length;
        var m0 = new long[ch];
        var div = new long[ch];
        var half = new long[ch];
        var bias = new long[ch];
        for (int i = 0; i < ch; i++)
        {
            var r = FixedPointMultiplier.FromReal(gain[i] * accScale / sOut);
            m0[i] = r.Multiplier;
            div[i] = 1L << r.Shift;
            half[i] = 1L << (r.Shift - 1);
            bias[i] = (long)Math.Round(offset[i] / (gain[i] * accScale), MidpointRounding.ToEven);
        }
        using var scope = NewDisposeScope();
        var shape = new long[] { 1, ch, 1, 1 };
        if (NoInt16Rounding && hi == short.MaxValue)
        {
            var real = (acc + tensor(bias.Select(v => (double)v).ToArray()).reshape(shape)) * tensor(m0.Select((v, i) => v / (double)div[i]).ToArray()).reshape(shape);
            return real.clamp(lo, hi).MoveToOuterDisposeScope();
        }
        var a = acc.round().to(ScalarType.Int64) + tensor(bias).reshape(shape);
        var v = (a * tensor(m0).reshape(shape) + tensor(half).reshape(shape)).div(tensor(div).reshape(shape), rounding_mode: RoundingMode.floor);
        return v.clamp(lo, hi).to(ScalarType.Float64).MoveToOuterDisposeScope();
    }

    /// <summary>The graph's Requantize: stream codes to b-bit with M = (M0, n) nearest s_in / s_out; the output scale snaps to s_in / M.</summary>
    private static Q Requantize(Q x, double sOut, int hi)
    {
        var r = FixedPointMultiplier.FromReal(x.Scale / sOut);
        using var scope = NewDisposeScope();
        if (NoInt16Rounding)
        {
            return new Q((x.Codes * FixedPointMultiplier.ToReal(r) + 0.5).floor().clamp(0, hi).MoveToOuterDisposeScope(), x.Scale / FixedPointMultiplier.ToReal(r));
        }
        var v = (x.Codes.round().to(ScalarType.Int64) * r.Multiplier + (1L << (r.Shift - 1))).div(1L << r.Shift, rounding_mode: RoundingMode.floor);
        return new Q(v.clamp(0, hi).to(ScalarType.Float64).MoveToOuterDisposeScope(), x.Scale / FixedPointMultiplier.ToReal(r));
    }

    /// <summary>Int16 add + ReLU: both inputs at the output scale times a power of two (exact).</summary>
    private static Q Add(Q a, Q b, double sOut)
    {
        double ea = a.Scale / sOut, eb = b.Scale / sOut;
        return new Q((a.Codes * ea + b.Codes * eb).clamp(0, short.MaxValue), sOut);
    }

    private static Q Upsample(Q x) => new(interpolate(x.Codes, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest), x.Scale);
}
