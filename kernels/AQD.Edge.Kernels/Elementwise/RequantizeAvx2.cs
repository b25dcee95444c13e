// Requantize, x86-64 AVX2 variant: 8 elements per step in one int32x8 vector (ElementwiseLoop).
// Layout, bounds: as RequantizeParams / RequantizeReference. x - zpIn by VPSUBD, then Requant256
// (VPMULDQ even/odd, 64-bit rounding add and shift, 64-bit clamp, add zp): THE rounding rule.
// Packed input or output: runs the scalar pixel loop of RequantizeReference (no SIMD path).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Elementwise;

internal readonly struct RequantizeOp256(RequantizeParams p) : IUnaryIntOp256
{
    private readonly RequantizeScalarOp scalar = new(p);
    private readonly Vector256<int> zpIn = Vector256.Create(p.Input.ZeroPoint);
    private readonly Requant256 r = new(p.Multiplier.Multiplier, p.Multiplier.Shift, p.Range);

    public int Invoke(int x) => scalar.Invoke(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> x) => r.Apply(Avx2.Subtract(x, zpIn));
}

internal static class RequantizeAvx2
{
    private readonly struct Loop : IRequantizeLoop
    {
        public void Run<TI, TO>(RequantizeParams p, ReadOnlySpan<TI> input, Span<TO> output) where TI : unmanaged where TO : unmanaged
            => ElementwiseLoop.Run256(new RequantizeOp256(p), input, output, p.Length);
    }

    public static void Run(RequantizeParams p, ReadOnlySpan<byte> input, Span<byte> output)
        => RequantizeReference.Dispatch(new Loop(), p, input, output);
}
