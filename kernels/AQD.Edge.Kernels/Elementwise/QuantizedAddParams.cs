// Parameters of the quantized Add (TFLite's integer method, THE rounding rule).
// Layout: element-wise over two tensors of one shape (NHWC or any flat run); no packed weights.
// Per element:  xa = (a - zpA) << L;  sa = MultiplyShift(xa, Ma, na)   (same for b)
//               out = Requantize(sa + sb, Mo, no, zpOut, [min, max])   (fused ReLU = clamp at zpOut)
// Accumulator bounds (checked here, so the run needs no checks): |a - zpA| << L <= 2^31 - 1 for
// every representable a, and |sa| + |sb| <= 2^31 - 1 with |s| <= ((maxAbs << L) * M >> n) + 1.
// Typical parameters from Preparation.QuantizedAddPreparation: L = 20 for 8-bit inputs, L = 14
// when an input is int16; Ma, Mb <= 1/2 (s_i / (2 max(sA, sB))), Mo = 2 max(sA, sB) / (2^L s_out).
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>Validated integer parameters of one quantized Add.</summary>
public sealed class QuantizedAddParams
{
    /// <summary>Largest input left shift accepted.</summary>
    public const int MaxLeftShift = 24;

    /// <param name="a">Format of input A (uint8 / unsigned b-bit one per byte, int8, or int16).</param>
    /// <param name="b">Format of input B.</param>
    /// <param name="output">Format of the output.</param>
    /// <param name="leftShift">L: both inputs are shifted left by L bits after subtracting their zero point.</param>
    /// <param name="multiplierA">Fixed-point multiplier of input A.</param>
    /// <param name="multiplierB">Fixed-point multiplier of input B.</param>
    /// <param name="multiplierOut">Fixed-point multiplier of the sum to the output scale.</param>
    /// <param name="relu">Fused ReLU: clamp the output below at its zero point.</param>
    /// <param name="length">Elements per tensor.</param>
    public QuantizedAddParams(ActivationFormat a, ActivationFormat b, ActivationFormat output, int leftShift,
        ChannelRequant multiplierA, ChannelRequant multiplierB, ChannelRequant multiplierOut, bool relu, int length)
    {
        CheckFormat(a, nameof(a));
        CheckFormat(b, nameof(b));
        CheckFormat(output, nameof(output));
        if (leftShift < 0 || leftShift > MaxLeftShift)
        {
            throw new ArgumentException($"QuantizedAdd: leftShift = {leftShift} must be in [0, {MaxLeftShift}].", nameof(leftShift));
        }
        CheckMultiplier(multiplierA, nameof(multiplierA));
        CheckMultiplier(multiplierB, nameof(multiplierB));
        CheckMultiplier(multiplierOut, nameof(multiplierOut));
        if (length < 0)
        {
            throw new ArgumentException($"QuantizedAdd: length = {length} must be non-negative.", nameof(length));
        }
        long boundA = ScaledBound(a, leftShift, multiplierA, nameof(a));
        long boundB = ScaledBound(b, leftShift, multiplierB, nameof(b));
        if (boundA + boundB > int.MaxValue)
        {
            throw new ArgumentException(
                $"QuantizedAdd: leftShift = {leftShift} with multipliers {multiplierA} and {multiplierB} lets the sum reach " +
                $"{boundA + boundB}, beyond int32; lower the left shift.", nameof(leftShift));
        }
        A = a;
        B = b;
        Output = output;
        LeftShift = leftShift;
        MultiplierA = multiplierA;
        MultiplierB = multiplierB;
        MultiplierOut = multiplierOut;
        Relu = relu;
        Range = new OutputRange(output.ZeroPoint, relu ? output.ZeroPoint : output.Min, output.Max);
        Length = length;
    }

    public ActivationFormat A { get; }
    public ActivationFormat B { get; }
    public ActivationFormat Output { get; }
    public int LeftShift { get; }
    public ChannelRequant MultiplierA { get; }
    public ChannelRequant MultiplierB { get; }
    public ChannelRequant MultiplierOut { get; }
    public bool Relu { get; }

    /// <summary>Output zero point and clamp range (fused ReLU raises Min to the zero point).</summary>
    public OutputRange Range { get; }

    public int Length { get; }

    private static void CheckFormat(ActivationFormat f, string field)
    {
        if (f.Storage == ActivationStorage.PackedUnsigned)
        {
            throw new ArgumentException($"QuantizedAdd: {field} = {f}: packed formats are not supported; unpack first.", field);
        }
        try
        {
            f.Validate($"QuantizedAdd {field}");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, field);
        }
    }

    private static void CheckMultiplier(ChannelRequant m, string field)
    {
        if (!Requantization.IsValid(m.Multiplier, m.Shift))
        {
            throw new ArgumentException(
                $"QuantizedAdd: {field} = {m} is not a valid fixed-point multiplier (M0 >= 0, shift in [{Requantization.MinShift}, {Requantization.MaxShift}]).", field);
        }
    }

    private static long ScaledBound(ActivationFormat f, int leftShift, ChannelRequant m, string field)
    {
        long maxAbs = Math.Max(Math.Abs((long)f.Min - f.ZeroPoint), Math.Abs((long)f.Max - f.ZeroPoint));
        if ((maxAbs << leftShift) > int.MaxValue)
        {
            throw new ArgumentException(
                $"QuantizedAdd: leftShift = {leftShift} overflows int32 for input {field} = {f} (|x - zp| up to {maxAbs}).", "leftShift");
        }
        return (((maxAbs << leftShift) * m.Multiplier) >> m.Shift) + 1;
    }
}
