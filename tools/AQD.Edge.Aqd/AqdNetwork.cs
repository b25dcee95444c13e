using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Aqd;

/// <summary>
/// An NHWC activation of the quantized network: integer format and the real scale of one step,
/// real = Scale * (q - ZeroPoint). Scales of int16 stream tensors are assigned after calibration
/// (<see cref="ScaleGroup"/>); every other scale is fixed when the producer is calibrated.
/// </summary>
public sealed class AqdTensor(int id, string name, int height, int width, int channels, ActivationFormat format)
{
    public int Id { get; } = id;
    public string Name { get; } = name;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public int Channels { get; } = channels;
    public ActivationFormat Format { get; } = format;
    public double Scale { get; internal set; } = double.NaN;

    /// <summary>Int16 tensors sharing one scale (a backbone stage's residual stream, the FPN sums); null otherwise.</summary>
    public string? ScaleGroup { get; internal set; }

    public int ZeroPoint => Format.ZeroPoint;
    public int Elements => Height * Width * Channels;
    public override string ToString() => $"{Name} {Height}x{Width}x{Channels} {Format} s={Scale:G6}";
}

/// <summary>One conv weight set (shared by the pyramid levels of a multi-level-BN head conv).</summary>
public sealed class AqdWeights(string name, int outChannels, int kernel, int inChannels, LowBitFormat format, int[] levels, double scale)
{
    public string Name { get; } = name;
    public int OutChannels { get; } = outChannels;
    public int Kernel { get; } = kernel;
    public int InChannels { get; } = inChannels;

    /// <summary>Int8 (values in [-127, 127]) or AQD odd-level b-bit.</summary>
    public LowBitFormat Format { get; } = format;

    /// <summary>Integer weight values [OutChannels][Kernel][Kernel][InChannels].</summary>
    public int[] Levels { get; } = levels;

    /// <summary>Real value of one weight level step: w_real = Scale * level.</summary>
    public double Scale { get; } = scale;

    public int ReductionSize => Kernel * Kernel * InChannels;
}

/// <summary>A node of the quantized network, in topological order.</summary>
public abstract class AqdNode(string name, AqdTensor[] inputs, AqdTensor output)
{
    public string Name { get; } = name;
    public IReadOnlyList<AqdTensor> Inputs { get; } = inputs;
    public AqdTensor Output { get; } = output;
}

/// <summary>
/// Convolution + folded BN (or bias) + optional ReLU + the output tensor's quantizer:
/// y_c = Gain[c] * acc_real_c + Offset[c], acc_real = s_in * s_w * sum (q_in - zp_in) * w;
/// q_out = clamp(round(y / s_out) + zp_out, Range). After lowering, Gain and Offset are exactly
/// (up to double rounding) the values the integer parameters stand for:
/// Gain = M0 2^-n s_out / (s_in s_w), Offset = Bias * Gain * s_in * s_w.
/// </summary>
public sealed class AqdConv(string name, AqdTensor input, AqdTensor output, AqdWeights weights, int stride, bool relu)
    : AqdNode(name, [input], output)
{
    public AqdWeights Weights { get; } = weights;
    public int Stride { get; } = stride;
    public int Pad => Weights.Kernel / 2;
    public bool Relu { get; } = relu;
    public double[] Gain { get; internal set; } = [];
    public double[] Offset { get; internal set; } = [];

    /// <summary>Gain and Offset as calibrated, before the lowering snapped them (for comparisons).</summary>
    public double[] CalibratedGain { get; internal set; } = [];
    public double[] CalibratedOffset { get; internal set; } = [];

    /// <summary>Integer bias at the accumulator scale s_in * s_w (lowered).</summary>
    public int[] Bias { get; internal set; } = [];

    /// <summary>Per-channel fixed-point multiplier s_in s_w Gain / s_out (lowered).</summary>
    public ChannelRequant[] Requant { get; internal set; } = [];

    /// <summary>Output clamp: unsigned [0, 2^b - 1], int16 [0 or -32768, 32767], int8 [-128, 127].</summary>
    public OutputRange Range => OutputRangeOf(Output.Format, Relu);

    public ConvGeometry Geometry => new(Inputs[0].Height, Inputs[0].Width, Inputs[0].Channels, Output.Channels,
        Weights.Kernel, Weights.Kernel, Stride, Stride, Pad, Pad, Pad, Pad);

    internal static OutputRange OutputRangeOf(ActivationFormat f, bool relu)
        => new(f.ZeroPoint, relu ? Math.Max(f.Min, f.ZeroPoint) : f.Min, f.Max);
}

/// <summary>
/// Residual / FPN add at int16: out = clamp(a * 2^ShiftA + b * 2^ShiftB, relu ? 0 : -32768, 32767)
/// in units of the output scale (the input scales are the output scale times 2^Shift, so the add is
/// exact in real numbers). Lowered to the graph's Add with L = 14 and power-of-two multipliers.
/// </summary>
public sealed class AqdAdd(string name, AqdTensor a, AqdTensor b, AqdTensor output, bool relu) : AqdNode(name, [a, b], output)
{
    public bool Relu { get; } = relu;
    public int ShiftA { get; internal set; }
    public int ShiftB { get; internal set; }
}

/// <summary>3x3 stride-2 max pool with padding 1 (padded positions skipped).</summary>
public sealed class AqdMaxPool(string name, AqdTensor input, AqdTensor output) : AqdNode(name, [input], output);

/// <summary>Nearest-neighbour 2x upsample.</summary>
public sealed class AqdUpsample(string name, AqdTensor input, AqdTensor output) : AqdNode(name, [input], output);

/// <summary>
/// A conv input quantizer applied to a higher-precision tensor (the residual stream, the FPN sums):
/// q_out = clamp(round((q_in - zp_in) * s_in / s_out), 0, 2^b - 1) with s_out = clip / (2^b - 1).
/// Lowered to the graph's Requantize op; lowering snaps s_out so that s_in / s_out is exactly the
/// fixed-point multiplier.
/// </summary>
public sealed class AqdRequantize(string name, AqdTensor input, AqdTensor output) : AqdNode(name, [input], output)
{
    public ChannelRequant Multiplier { get; internal set; }

    /// <summary>The output scale as calibrated (clip / (2^b - 1)), before the lowering snapped it.</summary>
    public double CalibratedOutputScale { get; internal set; }
}

/// <summary>What a graph output is.</summary>
public sealed record AqdOutput(AqdTensor Tensor, string Role, int Level, int Stride);

/// <summary>The quantized network: tensors, nodes in topological order, the input and the head outputs.</summary>
public sealed class AqdNetwork(AqdModelOptions options)
{
    public AqdModelOptions Options { get; } = options;
    public List<AqdTensor> Tensors { get; } = [];
    public List<AqdNode> Nodes { get; } = [];
    public List<AqdOutput> Outputs { get; } = [];
    public AqdTensor Input { get; internal set; } = null!;

    /// <summary>Where the weights came from (null: random, calibrated on a photo); written into the blob metadata.</summary>
    public AqdSourceInfo? Source { get; internal set; }

    /// <summary>Whether <see cref="AqdLowering.Lower"/> has run.</summary>
    public bool Lowered { get; internal set; }

    public AqdTensor AddTensor(string name, int h, int w, int c, ActivationFormat format)
    {
        var t = new AqdTensor(Tensors.Count, name, h, w, c, format);
        Tensors.Add(t);
        return t;
    }

    /// <summary>Multiply-accumulates of all convolutions.</summary>
    public long Macs => Nodes.OfType<AqdConv>().Sum(c => c.Geometry.Macs);
}

/// <summary>A network's weight source: file name, format (e.g. "pytorch") and the file's sha256.</summary>
public sealed record AqdSourceInfo(string FileName, string Format, string Sha256);
