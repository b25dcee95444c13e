// Quantized Add, x86-64 AVX2 variant: 8 elements per step in one int32x8 vector.
// Layout, bounds: as QuantizedAddReference. (x - zp) << L by VPSLLVD; each input scaled by
// Requant256 with the open range [int.MinValue, int.MaxValue] and zero point 0, which equals
// Requantization.MultiplyShift because the scaled value fits int32 (checked at preparation);
// the sum requantized by Requant256 with the output range: THE rounding rule throughout.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Elementwise;

internal readonly struct QuantizedAddOp256 : IBinaryIntOp256
{
    private static readonly OutputRange Open = new(0, int.MinValue, int.MaxValue);

    private readonly QuantizedAddScalarOp scalar;
    private readonly Vector256<int> zpA, zpB;
    private readonly Vector256<uint> leftShift;
    private readonly Requant256 ra, rb, ro;

    public QuantizedAddOp256(QuantizedAddParams p)
    {
        scalar = new QuantizedAddScalarOp(p);
        zpA = Vector256.Create(p.A.ZeroPoint);
        zpB = Vector256.Create(p.B.ZeroPoint);
        leftShift = Vector256.Create((uint)p.LeftShift);
        ra = new Requant256(p.MultiplierA.Multiplier, p.MultiplierA.Shift, Open);
        rb = new Requant256(p.MultiplierB.Multiplier, p.MultiplierB.Shift, Open);
        ro = new Requant256(p.MultiplierOut.Multiplier, p.MultiplierOut.Shift, p.Range);
    }

    public int Invoke(int a, int b) => scalar.Invoke(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> a, Vector256<int> b)
    {
        Vector256<int> sa = ra.Apply(Avx2.ShiftLeftLogicalVariable(Avx2.Subtract(a, zpA), leftShift));
        Vector256<int> sb = rb.Apply(Avx2.ShiftLeftLogicalVariable(Avx2.Subtract(b, zpB), leftShift));
        return ro.Apply(Avx2.Add(sa, sb));
    }
}

internal static class QuantizedAddAvx2
{
    public static void Run<TA, TB, TO>(QuantizedAddParams p, ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, Span<TO> output)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged
    {
        var op = new QuantizedAddOp256(p);
        ElementwiseLoop.Run256(op, a, b, output, p.Length);
    }
}
