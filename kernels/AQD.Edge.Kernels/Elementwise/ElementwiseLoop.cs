// Loop skeleton of the unary and binary element-wise ops (TensorPrimitives style): one operator
// struct supplies the scalar, Vector128 (AdvSimd) and Vector256 (Avx2) bodies on int32 lanes; this
// file owns the loops and handles the tail once.
// Layout: two (unary) or three (binary) flat arrays of n elements (NHWC tensors of one shape, or any
// contiguous run), each in its own container type (byte / sbyte / short, see Tensors/ElementIo).
// The output may alias an input exactly (in-place, same container), never partially.
// Tail: for n >= 8 the last block [n-8, n) is loaded and computed BEFORE the main loop and stored
// after it, so the overlapping block is computed from the original inputs even in place; n < 8
// runs the scalar body. Arithmetic, bounds and rounding belong to the operator.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>Scalar body of a binary op on widened int32 values.</summary>
internal interface IBinaryIntOp
{
    int Invoke(int a, int b);
}

/// <summary>Adds the 4-lane AdvSimd body.</summary>
internal interface IBinaryIntOp128 : IBinaryIntOp
{
    Vector128<int> Invoke(Vector128<int> a, Vector128<int> b);
}

/// <summary>Adds the 8-lane Avx2 body.</summary>
internal interface IBinaryIntOp256 : IBinaryIntOp
{
    Vector256<int> Invoke(Vector256<int> a, Vector256<int> b);
}

/// <summary>Scalar body of a unary op on widened int32 values.</summary>
internal interface IUnaryIntOp
{
    int Invoke(int x);
}

/// <summary>Adds the 4-lane AdvSimd body.</summary>
internal interface IUnaryIntOp128 : IUnaryIntOp
{
    Vector128<int> Invoke(Vector128<int> x);
}

/// <summary>Adds the 8-lane Avx2 body.</summary>
internal interface IUnaryIntOp256 : IUnaryIntOp
{
    Vector256<int> Invoke(Vector256<int> x);
}

internal static class ElementwiseLoop
{
    private const int Block = 8;

    public static void RunScalar<TI, TO, TOp>(in TOp op, ReadOnlySpan<TI> input, Span<TO> output, int start, int n)
        where TI : unmanaged where TO : unmanaged where TOp : struct, IUnaryIntOp
    {
        for (int i = start; i < n; i++)
        {
            ElementIo.At(output, i) = ElementIo.FromInt<TO>(op.Invoke(ElementIo.ToInt(ElementIo.At(input, i))));
        }
    }

    public static void Run128<TI, TO, TOp>(in TOp op, ReadOnlySpan<TI> input, Span<TO> output, int n)
        where TI : unmanaged where TO : unmanaged where TOp : struct, IUnaryIntOp128
    {
        if (n < Block)
        {
            RunScalar(op, input, output, 0, n);
            return;
        }
        int last = n - Block;
        ElementIo.Load8x128(ref ElementIo.At(input, last), out var xLo, out var xHi);
        Vector128<int> endLo = op.Invoke(xLo), endHi = op.Invoke(xHi);
        for (int i = 0; i < last; i += Block)
        {
            ElementIo.Load8x128(ref ElementIo.At(input, i), out var lo, out var hi);
            ElementIo.Store8x128(ref ElementIo.At(output, i), op.Invoke(lo), op.Invoke(hi));
        }
        ElementIo.Store8x128(ref ElementIo.At(output, last), endLo, endHi);
    }

    public static void Run256<TI, TO, TOp>(in TOp op, ReadOnlySpan<TI> input, Span<TO> output, int n)
        where TI : unmanaged where TO : unmanaged where TOp : struct, IUnaryIntOp256
    {
        if (n < Block)
        {
            RunScalar(op, input, output, 0, n);
            return;
        }
        int last = n - Block;
        Vector256<int> end = op.Invoke(ElementIo.Load8x256(ref ElementIo.At(input, last)));
        for (int i = 0; i < last; i += Block)
        {
            ElementIo.Store8x256(ref ElementIo.At(output, i), op.Invoke(ElementIo.Load8x256(ref ElementIo.At(input, i))));
        }
        ElementIo.Store8x256(ref ElementIo.At(output, last), end);
    }

    public static void RunScalar<TA, TB, TO, TOp>(in TOp op, ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, Span<TO> output, int start, int n)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged where TOp : struct, IBinaryIntOp
    {
        for (int i = start; i < n; i++)
        {
            ElementIo.At(output, i) = ElementIo.FromInt<TO>(op.Invoke(ElementIo.ToInt(ElementIo.At(a, i)), ElementIo.ToInt(ElementIo.At(b, i))));
        }
    }

    public static void Run128<TA, TB, TO, TOp>(in TOp op, ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, Span<TO> output, int n)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged where TOp : struct, IBinaryIntOp128
    {
        if (n < Block)
        {
            RunScalar(op, a, b, output, 0, n);
            return;
        }
        int last = n - Block;
        Block128(op, ref ElementIo.At(a, last), ref ElementIo.At(b, last), out var endLo, out var endHi);
        for (int i = 0; i < last; i += Block)
        {
            Block128(op, ref ElementIo.At(a, i), ref ElementIo.At(b, i), out var lo, out var hi);
            ElementIo.Store8x128(ref ElementIo.At(output, i), lo, hi);
        }
        ElementIo.Store8x128(ref ElementIo.At(output, last), endLo, endHi);
    }

    public static void Run256<TA, TB, TO, TOp>(in TOp op, ReadOnlySpan<TA> a, ReadOnlySpan<TB> b, Span<TO> output, int n)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged where TOp : struct, IBinaryIntOp256
    {
        if (n < Block)
        {
            RunScalar(op, a, b, output, 0, n);
            return;
        }
        int last = n - Block;
        Vector256<int> end = op.Invoke(ElementIo.Load8x256(ref ElementIo.At(a, last)), ElementIo.Load8x256(ref ElementIo.At(b, last)));
        for (int i = 0; i < last; i += Block)
        {
            Vector256<int> v = op.Invoke(ElementIo.Load8x256(ref ElementIo.At(a, i)), ElementIo.Load8x256(ref ElementIo.At(b, i)));
            ElementIo.Store8x256(ref ElementIo.At(output, i), v);
        }
        ElementIo.Store8x256(ref ElementIo.At(output, last), end);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block128<TA, TB, TOp>(in TOp op, ref TA a, ref TB b, out Vector128<int> lo, out Vector128<int> hi)
        where TA : unmanaged where TB : unmanaged where TOp : struct, IBinaryIntOp128
    {
        ElementIo.Load8x128(ref a, out var aLo, out var aHi);
        ElementIo.Load8x128(ref b, out var bLo, out var bHi);
        lo = op.Invoke(aLo, bLo);
        hi = op.Invoke(aHi, bHi);
    }
}
