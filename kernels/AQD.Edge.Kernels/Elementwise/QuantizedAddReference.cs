// Quantized Add, scalar reference twin (the definition every variant must equal bit for bit).
// Layout: flat element-wise over a, b, output (NHWC tensors of one shape); output may alias an
// input exactly. Elements: byte (uint8 / unsigned), sbyte (int8), short (int16, zp 0).
// Arithmetic and bounds: see QuantizedAddParams (|sa + sb| < 2^31 guaranteed at preparation).
// Rounding: Requantization.MultiplyShift for each input, Requantization.Requantize for the sum.
using System.Runtime.CompilerServices;
using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>The Add operator on widened int32 values: scalar body (also the tail of the vector variants).</summary>
internal readonly struct QuantizedAddScalarOp : IBinaryIntOp
{
    private readonly int zpA, zpB, leftShift;
    private readonly ChannelRequant ma, mb, mo;
    private readonly OutputRange range;

    public QuantizedAddScalarOp(QuantizedAddParams p)
    {
        zpA = p.A.ZeroPoint;
        zpB = p.B.ZeroPoint;
        leftShift = p.LeftShift;
        ma = p.MultiplierA;
        mb = p.MultiplierB;
        mo = p.MultiplierOut;
        range = p.Range;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int a, int b)
    {
        int sa = (int)Requantization.MultiplyShift((a - zpA) << leftShift, ma.Multiplier, ma.Shift);
        int sb = (int)Requantization.MultiplyShift((b - zpB) << leftShift, mb.Multiplier, mb.Shift);
        return Requantization.Requantize(sa + sb, mo, range);
    }
}

internal static class QuantizedAddReference
{
    public static void Run<TA, TB, TO>(QuantizedAddParams p, ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, Span<TO> output)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged
    {
        var op = new QuantizedAddScalarOp(p);
        ElementwiseLoop.RunScalar(op, a, b, output, 0, p.Length);
    }
}
