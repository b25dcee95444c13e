using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Gemm;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.Onnx;

/// <summary>
/// The ONNX builder's quantized conv models load in ONNX Runtime and compute what our integer
/// conv computes: ConvInteger bit-exactly (pure integer), QLinearConv within 1 at rare near-ties
/// (ORT requantizes in float32 with round-half-even; we use fixed point with round-half-up).
/// </summary>
public class QuantizedConvModelsTests(ITestOutputHelper output)
{
    public static TheoryData<string, ConvGeometry> Shapes => new()
    {
        { "3x3 same", ConvGeometry.Same(9, 7, 24, 20, 3) },
        { "3x3 stride 2", ConvGeometry.Same(11, 10, 16, 12, 3, stride: 2) },
        { "1x1", ConvGeometry.Same(6, 5, 40, 33, 1) },
        { "5x3 asymmetric pads", new ConvGeometry(8, 9, 8, 8, 5, 3, 1, 2, 2, 1, 1, 0) },
        { "3x3 grouped", ConvGeometry.Same(7, 7, 16, 16, 3, groups: 4) },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ConvIntegerEqualsIntegerReference(string name, ConvGeometry g)
    {
        SkipUnlessX64();
        var spec = RandomSpec(g, seed: name.Length * 31 + g.InChannels);
        var x = RandomInput(g);
        var y = RunOrt<int>(QuantizedConvModels.ConvInteger(spec), x, g);
        var expected = ReferenceConv.Accumulate(g, x, spec.InputZeroPoint, spec.Weights);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == y[i],
                $"{name}: ConvInteger differs at NHWC index {i} (pixel {i / g.OutChannels}, channel {i % g.OutChannels}): " +
                $"ours {expected[i]}, ORT {y[i]}; geometry {g}.");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void QLinearConvMatchesOurRequantizationExceptRareTies(string name, ConvGeometry g)
    {
        SkipUnlessX64();
        var spec = RandomSpec(g, seed: name.Length * 17 + g.OutChannels);
        var x = RandomInput(g);
        var y = RunOrt<byte>(QuantizedConvModels.QLinearConv(spec), x, g);
        var expected = Ours(spec, x, g);

        int differ = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(expected[i] - y[i]);
            Assert.True(d <= 1,
                $"{name}: QLinearConv differs by {d} at NHWC index {i} (pixel {i / g.OutChannels}, channel {i % g.OutChannels}): " +
                $"ours {expected[i]}, ORT {y[i]}; geometry {g}.");
            differ += d;
        }
        output.WriteLine($"{name}: {differ} of {expected.Length} outputs differ by 1 (ties / float32 rounding), " +
                         $"{expected.Count(v => v is 0 or 255)} saturated");
        Assert.True(differ * 200 <= expected.Length, $"{name}: {differ} of {expected.Length} outputs differ by 1; ties should be rare (< 0.5%).");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void QdqFormIsFusedToTheSameResultAsQLinearConv(string name, ConvGeometry g)
    {
        SkipUnlessX64();
        var spec = RandomSpec(g, seed: name.Length * 7 + 3);
        var x = RandomInput(g);
        var q = RunOrt<byte>(QuantizedConvModels.QLinearConv(spec), x, g);
        var qdq = RunOrt<byte>(QuantizedConvModels.Qdq(spec), x, g);
        int differ = q.Zip(qdq).Count(p => p.First != p.Second);
        output.WriteLine($"{name}: QDQ vs QLinearConv: {differ} of {q.Length} differ");
        Assert.True(q.Zip(qdq).All(p => Math.Abs(p.First - p.Second) <= 1), $"{name}: QDQ and QLinearConv differ by more than 1.");
    }

    /// <summary>
    /// With multipliers that are exact powers of two, many results land exactly on .5: there ORT
    /// rounds half to even and we round half up, and nowhere else may the two differ.
    /// </summary>
    [Fact]
    public void QLinearConvDiffersOnlyAtExactTiesWhereOrtRoundsToEven()
    {
        SkipUnlessX64();
        var g = ConvGeometry.Same(6, 6, 4, 8, 3);
        var rng = new Random(99);
        var w = new sbyte[g.OutChannels * g.ReductionSize];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (sbyte)rng.Next(-3, 4);
        }
        var bias = Enumerable.Range(0, g.OutChannels).Select(_ => rng.Next(-50, 50)).ToArray();
        // x_scale * w_scale / y_scale = 1 * 2^-c' / 1: shifts 1..4, so 1/2 .. 1/16 of results are ties.
        var ws = Enumerable.Range(0, g.OutChannels).Select(c => MathF.ScaleB(1, -(1 + c % 4))).ToArray();
        var spec = new QuantizedConvSpec(g, 1f, 7, ws, w, bias, 1f, 128);
        var x = RandomInput(g, max: 30);
        var y = RunOrt<byte>(QuantizedConvModels.QLinearConv(spec), x, g);
        var acc = ReferenceConv.Accumulate(g, x, spec.InputZeroPoint, w);
        var requant = Multipliers(spec);
        var ours = Ours(spec, x, g);

        int ties = 0, tieDiffs = 0;
        for (int i = 0; i < acc.Length; i++)
        {
            int c = i % g.OutChannels;
            long prod = (long)(acc[i] + bias[c]) * requant[c].Multiplier;
            long frac = prod & ((1L << requant[c].Shift) - 1);
            bool tie = frac == 1L << (requant[c].Shift - 1);
            if (!tie)
            {
                Assert.True(ours[i] == y[i], $"index {i} (channel {c}) is no tie but ours {ours[i]} != ORT {y[i]}");
                continue;
            }
            ties++;
            long floor = prod >> requant[c].Shift;                 // ours = floor + 1 (half up)
            long even = (floor & 1) == 0 ? floor : floor + 1;      // ORT: half to even
            int expectedOrt = (int)Math.Clamp(even + 128, 0, 255);
            Assert.True(expectedOrt == y[i], $"tie at index {i} (channel {c}): ORT gave {y[i]}, half-to-even predicts {expectedOrt}");
            tieDiffs += ours[i] != y[i] ? 1 : 0;
        }
        output.WriteLine($"{ties} exact ties of {acc.Length} outputs; ours and ORT differ at {tieDiffs} of them (where half-even rounds down)");
        Assert.True(ties > 20 && tieDiffs > 0, "the power-of-two scales should produce ties, some of which round differently");
    }

    private static void SkipUnlessX64()
        => Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64,
            "ONNX Runtime cross-checks run on x64 only.");

    // Our side: integer accumulation, multipliers from the same float32 scales ORT uses, THE rule.
    // Our scalar conv (QuantizedConv on the scalar GEMM twin), checked against the plain loops too.
    private static byte[] Ours(QuantizedConvSpec spec, byte[] x, ConvGeometry g)
    {
        var requant = Multipliers(spec);
        var range = OutputRange.UInt8(spec.OutputZeroPoint);
        var conv = QuantizedConv.Prepare(g, ActivationFormat.UInt8(spec.InputZeroPoint),
            new PackedConvWeights(g, spec.Weights, LowBitFormat.Int(8)), spec.Bias, requant,
            ActivationFormat.UInt8(spec.OutputZeroPoint), range, GemmKernels.Scalar);
        var y = new byte[conv.OutputBytes];
        conv.Run(x, y, new byte[conv.ScratchBytes]);
        var plain = ReferenceConv.Requantize(ReferenceConv.Accumulate(g, x, spec.InputZeroPoint, spec.Weights),
            g.OutChannels, spec.Bias!, requant, range);
        Assert.Equal(plain, y);
        return y;
    }

    // (M0, n) per channel from the float32 multiplier ORT computes: x_scale * w_scale[c] / y_scale.
    private static ChannelRequant[] Multipliers(QuantizedConvSpec spec)
    {
        var requant = new ChannelRequant[spec.Geometry.OutChannels];
        for (int c = 0; c < requant.Length; c++)
        {
            float real = spec.InputScale * spec.WeightScales[c] / spec.OutputScale;
            requant[c] = FixedPointMultiplier.FromReal(real, $"channel {c}");
        }
        return requant;
    }

    private static byte[] RandomInput(ConvGeometry g, int max = 255)
    {
        var rng = new Random(((g.InHeight * 31 + g.InWidth) * 31 + g.InChannels) * 31 + g.KernelH);
        var x = new byte[g.InHeight * g.InWidth * g.InChannels];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (byte)rng.Next(0, max + 1);
        }
        return x;
    }

    private static T[] RunOrt<T>(OnnxConvModel model, byte[] inputNhwc, ConvGeometry g) where T : unmanaged
    {
        var nchw = OnnxLayout.HwcToChw<byte>(inputNhwc, g.InHeight, g.InWidth, g.InChannels);
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model.Bytes, options);
        using var input = OrtValue.CreateTensorValueFromMemory(nchw, model.InputShape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [model.InputName], [input], [model.OutputName]);
        var y = results[0].GetTensorDataAsSpan<T>().ToArray();
        return OnnxLayout.ChwToHwc<T>(y, g.OutHeight, g.OutWidth, g.OutChannels);
    }

    private static QuantizedConvSpec RandomSpec(ConvGeometry g, int seed)
    {
        var rng = new Random(seed);
        var w = new sbyte[g.OutChannels * g.ReductionSize];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (sbyte)rng.Next(-127, 128);
        }
        var bias = new int[g.OutChannels];
        for (int i = 0; i < bias.Length; i++)
        {
            bias[i] = rng.Next(-5000, 5000);
        }
        var ws = new float[g.OutChannels];
        for (int i = 0; i < ws.Length; i++)
        {
            ws[i] = 0.001f + 0.003f * (float)rng.NextDouble();
        }
        const float xs = 0.05f;
        // Spread the output over ~+-30 levels around zp 100: std(acc) ~ sqrt(K) * 74 * 73.
        float ys = (float)(Math.Sqrt(g.ReductionSize) * 74 * 73 * xs * 0.0025 / 30);
        return new QuantizedConvSpec(g, xs, 7, ws, w, bias, ys, 100);
    }
}
