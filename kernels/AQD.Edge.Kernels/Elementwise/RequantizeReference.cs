// Requantize, scalar reference twin (the definition every variant must equal bit for bit).
// Layout: see RequantizeParams (flat unpacked runs; packed tensors pixel by pixel, byte-aligned
// pixels, first channel in the low bits; unused high bits of a packed pixel's last byte written 0).
// Arithmetic, bounds: out = Requantization.Requantize(x - zpIn, M0, n, zpOut, outMin, outMax),
// THE rule (one multiply, one rounding shift, ties toward +infinity); |x - zpIn| <= 65535.
// Packed input or output: the pixel loop here is the only implementation (the SIMD variants call it).
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>The Requantize operator on widened int32 values: scalar body (also the tail of the vector variants).</summary>
internal readonly struct RequantizeScalarOp(RequantizeParams p) : IUnaryIntOp
{
    private readonly int zpIn = p.Input.ZeroPoint;
    private readonly ChannelRequant m = p.Multiplier;
    private readonly OutputRange range = p.Range;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int x) => Requantization.Requantize(x - zpIn, m, range);
}

/// <summary>A loop over typed (unpacked) spans; lets one dispatcher serve every variant.</summary>
internal interface IRequantizeLoop
{
    void Run<TI, TO>(RequantizeParams p, ReadOnlySpan<TI> input, Span<TO> output) where TI : unmanaged where TO : unmanaged;
}

internal static class RequantizeReference
{
    private readonly struct ScalarLoop : IRequantizeLoop
    {
        public void Run<TI, TO>(RequantizeParams p, ReadOnlySpan<TI> input, Span<TO> output) where TI : unmanaged where TO : unmanaged
            => ElementwiseLoop.RunScalar(new RequantizeScalarOp(p), input, output, 0, p.Length);
    }

    public static void Run(RequantizeParams p, ReadOnlySpan<byte> input, Span<byte> output) => Dispatch(new ScalarLoop(), p, input, output);

    /// <summary>Packed sides go to the pixel loop; otherwise the element types are resolved and <paramref name="loop"/> runs.</summary>
    public static void Dispatch<TL>(TL loop, RequantizeParams p, ReadOnlySpan<byte> input, Span<byte> output) where TL : struct, IRequantizeLoop
    {
        if (p.AnyPacked)
        {
            RunPixels(p, input, output);
            return;
        }
        switch (p.Input.Storage)
        {
            case ActivationStorage.Int8: To(loop, p, MemoryMarshal.Cast<byte, sbyte>(input), output); break;
            case ActivationStorage.Int16: To(loop, p, MemoryMarshal.Cast<byte, short>(input), output); break;
            default: To(loop, p, input, output); break;
        }
    }

    private static void To<TL, TI>(TL loop, RequantizeParams p, ReadOnlySpan<TI> input, Span<byte> output)
        where TL : struct, IRequantizeLoop where TI : unmanaged
    {
        switch (p.Output.Storage)
        {
            case ActivationStorage.Int8: loop.Run(p, input, MemoryMarshal.Cast<byte, sbyte>(output)); break;
            case ActivationStorage.Int16: loop.Run(p, input, MemoryMarshal.Cast<byte, short>(output)); break;
            default: loop.Run(p, input, output); break;
        }
    }

    /// <summary>Pixel-by-pixel path for packed input and/or output (any format pair).</summary>
    private static void RunPixels(RequantizeParams p, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var op = new RequantizeScalarOp(p);
        int inPixel = p.Input.PixelBytes(p.Channels), outPixel = p.Output.PixelBytes(p.Channels);
        for (int px = 0; px < p.Pixels; px++)
        {
            ReadOnlySpan<byte> src = input.Slice(px * inPixel, inPixel);
            Span<byte> dst = output.Slice(px * outPixel, outPixel);
            if (p.Output.Storage == ActivationStorage.PackedUnsigned)
            {
                dst.Clear();
            }
            for (int c = 0; c < p.Channels; c++)
            {
                Store(dst, c, op.Invoke(Load(src, c, p.Input)), p.Output);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Load(ReadOnlySpan<byte> pixel, int c, ActivationFormat f)
    {
        switch (f.Storage)
        {
            case ActivationStorage.Int8:
                return (sbyte)pixel[c];
            case ActivationStorage.Int16:
                return BinaryPrimitives.ReadInt16LittleEndian(pixel[(2 * c)..]);
            case ActivationStorage.PackedUnsigned:
                int cb = f.LowBit.ContainerBits, per = 8 / cb;
                return (pixel[c / per] >> (c % per * cb)) & ((1 << f.Bits) - 1);
            default:
                return pixel[c];
        }
    }

    // Packed stores OR the code into a cleared pixel (values are clamped to [0, 2^b - 1] already).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Span<byte> pixel, int c, int v, ActivationFormat f)
    {
        switch (f.Storage)
        {
            case ActivationStorage.Int16:
                BinaryPrimitives.WriteInt16LittleEndian(pixel[(2 * c)..], (short)v);
                break;
            case ActivationStorage.PackedUnsigned:
                int cb = f.LowBit.ContainerBits, per = 8 / cb;
                pixel[c / per] |= (byte)(v << (c % per * cb));
                break;
            default:
                pixel[c] = (byte)v;
                break;
        }
    }
}
