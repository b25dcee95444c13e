// Requantize, ARM64 NEON variant: 8 elements per step as two int32x4 halves (ElementwiseLoop).
// Layout, bounds: as RequantizeParams / RequantizeReference. x - zpIn by SUB, then Requant128
// (SMULL/SMULL2, SRSHL, SQXTN, SMIN/SMAX, ADD zp) with the output range: THE rounding rule.
// Packed input or output: runs the scalar pixel loop of RequantizeReference (no SIMD path).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Elementwise;

internal readonly struct RequantizeOp128(RequantizeParams p) : IUnaryIntOp128
{
    private readonly RequantizeScalarOp scalar = new(p);
    private readonly Vector128<int> zpIn = Vector128.Create(p.Input.ZeroPoint);
    private readonly Requant128 r = new(p.Multiplier.Multiplier, p.Multiplier.Shift, p.Range);

    public int Invoke(int x) => scalar.Invoke(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> x) => r.Apply(AdvSimd.Subtract(x, zpIn));
}

internal static class RequantizeAdvSimd
{
    private readonly struct Loop : IRequantizeLoop
    {
        public void Run<TI, TO>(RequantizeParams p, ReadOnlySpan<TI> input, Span<TO> output) where TI : unmanaged where TO : unmanaged
            => ElementwiseLoop.Run128(new RequantizeOp128(p), input, output, p.Length);
    }

    public static void Run(RequantizeParams p, ReadOnlySpan<byte> input, Span<byte> output)
        => RequantizeReference.Dispatch(new Loop(), p, input, output);
}
