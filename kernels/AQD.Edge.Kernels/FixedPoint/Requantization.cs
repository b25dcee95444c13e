using System.Runtime.CompilerServices;

namespace AQD.Edge.Kernels.FixedPoint;

/// <summary>
/// THE requantization rule of AQD.Edge. Every kernel path (scalar, AdvSimd, Dp, Avx2, AvxVnni) and
/// every op that rescales an int32 value uses exactly this function, or a vector form proven equal
/// to it by the property tests.
/// <code>
///   v   = floor((acc * M0 + 2^(n-1)) / 2^n)        // one rounding: ties go toward +infinity
///   out = clamp(v, lo - zp, hi - zp) + zp
/// </code>
/// acc is any int32 (int32 accumulator plus int32 bias, added with wrap-free int32 bounds checked
/// at preparation), M0 in [0, 2^31 - 1] and n in [1, 62] describe the real multiplier M0 * 2^-n
/// (so multipliers from 2^-62 up to below 2^30 are representable), zp is the output zero point and
/// [lo, hi] the output's integer range (for example [0, 2^b - 1] for unsigned b-bit activations,
/// which also implements a fused ReLU/ReLU6-style clamp). |acc * M0| &lt; 2^62 and the rounding
/// term is at most 2^61, so the product and sum are exact in int64. Clamping to the shifted range
/// before adding zp means no intermediate can overflow for any input.
/// <para>
/// This is the "single rounding" form (one multiply, one rounding shift), as TFLite's
/// single-rounding reference and ARM's SRSHL compute it. It is not gemmlowp's double rounding
/// (SQRDMULH then rounding-divide, ties away from zero) nor ONNX's round-half-even on floats;
/// results can differ from those at exact ties only.
/// </para>
/// </summary>
public static class Requantization
{
    /// <summary>Smallest right shift accepted.</summary>
    public const int MinShift = 1;

    /// <summary>Largest right shift accepted.</summary>
    public const int MaxShift = 62;

    /// <summary>Rounding multiply-shift without clamping: floor((acc*M0 + 2^(n-1)) / 2^n) as int64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MultiplyShift(int acc, int multiplier, int shift)
        => ((long)acc * multiplier + (1L << (shift - 1))) >> shift;

    /// <summary>The rule above for one value, scalar. The reference for every vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Requantize(int acc, int multiplier, int shift, int zeroPoint, int min, int max)
    {
        long v = MultiplyShift(acc, multiplier, shift);
        long lo = (long)min - zeroPoint;
        long hi = (long)max - zeroPoint;
        if (v < lo)
        {
            v = lo;
        }
        else if (v > hi)
        {
            v = hi;
        }
        return (int)v + zeroPoint;
    }

    /// <summary>Same as <see cref="Requantize(int,int,int,int,int,int)"/> with the parameters of one channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Requantize(int acc, in ChannelRequant p, in OutputRange range)
        => Requantize(acc, p.Multiplier, p.Shift, range.ZeroPoint, range.Min, range.Max);

    /// <summary>Whether (multiplier, shift) is a valid fixed-point multiplier for the rule.</summary>
    public static bool IsValid(int multiplier, int shift)
        => multiplier >= 0 && shift >= MinShift && shift <= MaxShift;
}

/// <summary>Fixed-point multiplier of one output channel: M = Multiplier * 2^-Shift.</summary>
public readonly record struct ChannelRequant(int Multiplier, int Shift);

/// <summary>
/// The integer range and zero point of a quantized output: values are clamped to [Min, Max], which
/// lies inside the output container type (for example [0, 15] for unsigned 4-bit activations,
/// [-128, 127] for int8, [zp, 255] for uint8 with a fused ReLU).
/// </summary>
public readonly record struct OutputRange(int ZeroPoint, int Min, int Max)
{
    /// <summary>Unsigned b-bit activation (AQD: zero point 0, range [0, 2^b - 1]).</summary>
    public static OutputRange Unsigned(int bits) => new(0, 0, (1 << bits) - 1);

    /// <summary>Signed int8 with a zero point, optionally with a fused ReLU (values below zp clamp to zp).</summary>
    public static OutputRange Int8(int zeroPoint, bool relu = false) => new(zeroPoint, relu ? zeroPoint : -128, 127);

    /// <summary>Unsigned uint8 with a zero point, optionally with a fused ReLU.</summary>
    public static OutputRange UInt8(int zeroPoint, bool relu = false) => new(zeroPoint, relu ? zeroPoint : 0, 255);

    /// <summary>Signed int16 (residual stream kept at higher precision), zero point 0.</summary>
    public static OutputRange Int16(bool relu = false) => new(0, relu ? 0 : short.MinValue, short.MaxValue);
}
