using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace AQD.Edge.Train;

/// <summary>Everything trainable of a model, with its checkpoint-style name (for export and the optimizer).</summary>
public sealed class ParameterSet
{
    public List<(string Name, Parameter P)> Parameters { get; } = [];
    public List<(string Name, Tensor T)> Buffers { get; } = [];

    public Parameter Add(string name, Tensor value)
    {
        var p = new Parameter(value, requires_grad: true);
        Parameters.Add((name, p));
        return p;
    }

    public Tensor AddBuffer(string name, Tensor value)
    {
        Buffers.Add((name, value));
        return value;
    }
}

/// <summary>
/// BatchNorm2d on the functional batch_norm (TorchSharp 0.107's module BN tracks a counter with a
/// scalar that the GC can collect mid-run: ../shared/reference/toolchain.md). Gamma stays positive
/// (<see cref="Constrain"/>): a folded gain must be positive, because the shared head weights cannot absorb a sign.
/// </summary>
public sealed class BatchNorm
{
    public string Name { get; }
    public Parameter Gamma { get; }
    public Parameter Beta { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }

    public BatchNorm(ParameterSet ps, string name, int channels)
    {
        Name = name;
        Gamma = ps.Add(name + ".weight", ones(channels));
        Beta = ps.Add(name + ".bias", zeros(channels));
        RunningMean = ps.AddBuffer(name + ".running_mean", zeros(channels));
        RunningVar = ps.AddBuffer(name + ".running_var", ones(channels));
    }

    public Tensor Forward(Tensor x, bool training, double momentum = 0.1)
        => batch_norm(x, RunningMean, RunningVar, Gamma, Beta, training, momentum, ModelConfig.BnEps);

    public void Constrain()
    {
        using var _ = no_grad();
        Gamma.clamp_(min: 1e-3);
    }
}

/// <summary>
/// A conv with AQD's weight quantizer: OIHW weights, weight standardization (over the whole layer)
/// for the BN-followed convs, a learned weight clip alpha (quan_w.alpha), optional bias (prediction
/// convs), BN (one, or one per pyramid level: multi-level BN). Export writes the standardized weights,
/// so the importer's quantization of the saved tensor gives the same levels.
/// </summary>
public sealed class QConv
{
    public string Name { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int Kernel { get; }
    public int Stride { get; }
    public int Bits { get; }
    public bool Standardize { get; }
    public Parameter Weight { get; }
    public Parameter Alpha { get; }
    public Parameter? Bias { get; }
    public BatchNorm[] Norms { get; }

    public QConv(ParameterSet ps, string name, int cin, int cout, int k, int stride, int bits, int norms, bool sharedNorm = false, bool bias = false, double initStd = 0)
    {
        Name = name;
        InChannels = cin;
        OutChannels = cout;
        Kernel = k;
        Stride = stride;
        Bits = bits;
        Standardize = norms > 0;
        double std = initStd > 0 ? initStd : Math.Sqrt(2.0 / (cin * k * k));   // He init
        Weight = ps.Add(name + ".weight", randn(cout, cin, k, k) * std);
        Alpha = ps.Add(name + ".quan_w.alpha", tensor(1f));
        Bias = bias ? ps.Add(name + ".bias", zeros(cout)) : null;
        if (norms == 1)
        {
            Norms = [new BatchNorm(ps, name + ".norm", cout)];
        }
        else if (norms > 1 && sharedNorm)
        {
            var shared = new BatchNorm(ps, name + ".norm", cout);
            Norms = [.. Enumerable.Repeat(shared, norms)];
        }
        else
        {
            Norms = [.. Enumerable.Range(0, norms).Select(l => new BatchNorm(ps, $"{name}.norm.{l}", cout))];
        }
        ResetAlpha();
    }

    /// <summary>The float weights the conv uses (standardized if BN follows).</summary>
    public Tensor FloatWeight()
    {
        if (!Standardize)
        {
            return Weight;
        }
        var mean = Weight.mean();
        var std = Weight.std(unbiased: false) + 1e-8;
        return (Weight - mean) / std;
    }

    /// <summary>The weights of this forward: float, or fake-quantized at <see cref="Bits"/>.</summary>
    public Tensor Weights(bool quant) => quant ? Quantizers.Weight(FloatWeight(), Alpha, Bits) : FloatWeight();

    /// <summary>The weight step s_w = alpha / (2^b - 1) (alpha / 127 at 8 bits), as a 0-d tensor (gradient to alpha).</summary>
    public Tensor WeightScale() => Alpha.abs().clamp_min(Quantizers.MinClip) / (Bits == 8 ? 127 : Quantizers.Levels(Bits));

    public Tensor Conv(Tensor x, Tensor w) => conv2d(x, w, Bias, strides: [Stride, Stride], padding: [Kernel / 2, Kernel / 2]);

    /// <summary>Weight clip at the start of QAT: the method's standardized clip per bit width (1.5, 2, 2.5 std), max |w| at 8 bits.</summary>
    public void ResetAlpha()
    {
        using var _ = no_grad();
        using var w = FloatWeight().detach();
        double a = Bits == 8 ? w.abs().max().item<float>() : Aqd.AqdQuantizers.WeightClip(Bits);
        Alpha.fill_(a);
    }

    public void Constrain()
    {
        foreach (var n in Norms.Distinct())
        {
            n.Constrain();
        }
        using var _ = no_grad();
        Alpha.abs_().clamp_(min: 1e-4);
    }
}

/// <summary>An unsigned activation quantizer with a learned clip (checkpoint key <see cref="Key"/>), calibrated at QAT start.</summary>
public sealed class ActQuant
{
    public string Key { get; }
    public int Bits { get; }
    public Parameter Clip { get; }
    public bool Calibrated { get; set; }

    public ActQuant(ParameterSet ps, string key, int bits)
    {
        Key = key;
        Bits = bits;
        Clip = ps.Add(key, tensor(1f));
    }

    /// <summary>Quantizes the tensors (sharing this clip); in calibration the clip is first set to their 99.9th percentile.</summary>
    public Tensor[] Apply(bool quant, bool calibrate, params Tensor[] xs)
    {
        if (!quant)
        {
            return xs;
        }
        if (calibrate && !Calibrated)
        {
            double c = Math.Max(Quantizers.PositivePercentile(xs), Quantizers.MinClip);
            using (no_grad())
            {
                Clip.fill_(c);
            }
            Calibrated = true;
        }
        return [.. xs.Select(x => Quantizers.Activation(x, Clip, Bits))];
    }

    public Tensor Apply(bool quant, bool calibrate, Tensor x) => Apply(quant, calibrate, [x])[0];

    /// <summary>The activation step clip / (2^b - 1), as a 0-d tensor.</summary>
    public Tensor Scale() => Clip.abs().clamp_min(Quantizers.MinClip) / Quantizers.Levels(Bits);

    public void Constrain()
    {
        using var _ = no_grad();
        Clip.abs_().clamp_(min: 1e-4);
    }
}
