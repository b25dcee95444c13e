// Quantized Add, ARM64 NEON variant: 8 elements per step as two int32x4 halves.
// Layout, bounds: as QuantizedAddReference. (x - zp) << L by SSHL; each input scaled by
// Requant128 with the open range [int.MinValue, int.MaxValue] and zero point 0, which equals
// Requantization.MultiplyShift because the scaled value fits int32 (checked at preparation);
// the sum requantized by Requant128 with the output range: THE rounding rule throughout.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Elementwise;

internal readonly struct QuantizedAddOp128 : IBinaryIntOp128
{
    private static readonly OutputRange Open = new(0, int.MinValue, int.MaxValue);

    private readonly QuantizedAddScalarOp scalar;
    private readonly Vector128<int> zpA, zpB, leftShift;
    private readonly Requant128 ra, rb, ro;

    public QuantizedAddOp128(QuantizedAddParams p)
    {
        scalar = new QuantizedAddScalarOp(p);
        zpA = Vector128.Create(p.A.ZeroPoint);
        zpB = Vector128.Create(p.B.ZeroPoint);
        leftShift = Vector128.Create(p.LeftShift);
        ra = new Requant128(p.MultiplierA.Multiplier, p.MultiplierA.Shift, Open);
        rb = new Requant128(p.MultiplierB.Multiplier, p.MultiplierB.Shift, Open);
        ro = new Requant128(p.MultiplierOut.Multiplier, p.MultiplierOut.Shift, p.Range);
    }

    public int Invoke(int a, int b) => scalar.Invoke(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> a, Vector128<int> b)
    {
        Vector128<int> sa = ra.Apply(AdvSimd.ShiftArithmetic(AdvSimd.Subtract(a, zpA), leftShift));
        Vector128<int> sb = rb.Apply(AdvSimd.ShiftArithmetic(AdvSimd.Subtract(b, zpB), leftShift));
        return ro.Apply(AdvSimd.Add(sa, sb));
    }
}

internal static class QuantizedAddAdvSimd
{
    public static void Run<TA, TB, TO>(QuantizedAddParams p, ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, Span<TO> output)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged
    {
        var op = new QuantizedAddOp128(p);
        ElementwiseLoop.Run128(op, a, b, output, p.Length);
    }
}
