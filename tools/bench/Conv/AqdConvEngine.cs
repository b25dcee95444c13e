using AQD.Edge.Bench.Harness;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Gemm;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Bench.Conv;

/// <summary>
/// AQD.Edge's GEMM convolution (<see cref="QuantizedConv"/>), every supported
/// <see cref="GemmKernels"/> variant, at each bit width:
/// <list type="bullet">
/// <item>8: uint8 activations (zero point 0) x int8 weights -> uint8 (zero point 128), the very
/// data and scales ONNX Runtime's QLinearConv gets, so the outputs are compared too;</item>
/// <item>4, 3, 2: unsigned b-bit activations packed along channels x AQD odd-level b-bit weights
/// -> unsigned b-bit packed output (what the next AQD layer consumes), random data.</item>
/// </list>
/// </summary>
public sealed class AqdConvEngine : IConvEngine
{
    public string Name => "aqd";

    public IEnumerable<IBenchCase> CreateCases(ConvBenchData data, IReadOnlyList<int> bits, ConvBenchOptions options)
    {
        var variants = GemmKernels.Variants
            .Where(v => KernelIsaSupport.IsSupported(v.Isa) && (options.IncludeScalar || v.Isa != KernelIsa.Scalar))
            .ToArray();
        foreach (int b in bits)
        {
            var (conv, input) = b == 8 ? Prepare8(data) : PrepareLowBit(data, b, options.Seed);
            foreach (var v in variants)
            {
                yield return new AqdConvCase(conv, v, b, input);
            }
        }
    }

    private static (QuantizedConv, byte[]) Prepare8(ConvBenchData data)
    {
        var spec = data.Spec;
        var g = data.Geometry;
        var requant = new ChannelRequant[g.OutChannels];
        for (int c = 0; c < requant.Length; c++)
        {
            // The float32 multiplier ONNX Runtime computes, as (M0, n).
            requant[c] = FixedPointMultiplier.FromReal(spec.InputScale * spec.WeightScales[c] / spec.OutputScale);
        }
        var weights = new PackedConvWeights(g, data.Weights, LowBitFormat.Int(8));
        var output = ActivationFormat.UInt8(spec.OutputZeroPoint);
        var conv = QuantizedConv.Prepare(g, ActivationFormat.UInt8(spec.InputZeroPoint), weights, data.Bias, requant,
            output, OutputRange.UInt8(spec.OutputZeroPoint));
        return (conv, data.InputNhwc);
    }

    private static (QuantizedConv, byte[]) PrepareLowBit(ConvBenchData data, int bits, int seed)
    {
        if (bits is not (2 or 3 or 4))
        {
            throw new ArgumentException($"Bit width {bits} is not benchmarked (8, 4, 3, 2).");
        }
        var g = data.Geometry;
        var rng = new Random(seed * 16 + bits);
        var inFormat = ActivationFormat.Packed(bits);
        int levels = 1 << bits;

        var values = new byte[g.InChannels];
        int pixelBytes = inFormat.PixelBytes(g.InChannels);
        var input = new byte[g.InHeight * g.InWidth * pixelBytes];
        for (int p = 0; p < g.InHeight * g.InWidth; p++)
        {
            for (int c = 0; c < values.Length; c++)
            {
                values[c] = (byte)rng.Next(levels);
            }
            BitPacking.Pack(values, inFormat.LowBit, input.AsSpan(p * pixelBytes, pixelBytes));
        }

        var wFormat = LowBitFormat.Odd(bits);
        var w = new sbyte[g.OutChannels * g.ReductionSize];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (sbyte)wFormat.Decode(rng.Next(levels));
        }
        var bias = new int[g.OutChannels];
        // acc std ~ sqrt(K) * rms(a) * rms(w); map ~3 std onto the output's levels.
        double rmsA = Math.Sqrt((levels - 1) * (2.0 * levels - 1) / 6), rmsW = Math.Sqrt((levels * (double)levels - 1) / 3);
        double real = (levels - 1) / (3 * Math.Sqrt(g.ReductionSize) * rmsA * rmsW);
        var requant = Enumerable.Repeat(FixedPointMultiplier.FromReal(real), g.OutChannels).ToArray();
        var outFormat = ActivationFormat.Packed(bits);
        var conv = QuantizedConv.Prepare(g, inFormat, new PackedConvWeights(g, w, wFormat), bias, requant,
            outFormat, OutputRange.Unsigned(bits));
        return (conv, input);
    }
}
