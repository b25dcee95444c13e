using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.FixedPoint;

/// <summary>
/// <see cref="Requantization.Requantize(int,int,int,int,int,int)"/> for 4 channels at once on
/// ARM64 NEON: SMULL/SMULL2 (exact 64-bit products), SRSHL by -n (rounding right shift, ties to
/// +infinity, computed without intermediate overflow), SQXTN/SQXTN2 (saturate to int32, harmless
/// because the clamp range lies inside int32), SMAX/SMIN, ADD zp. Build once per group of 4
/// channels outside the inner loops.
/// </summary>
public readonly struct Requant128
{
    private readonly Vector128<int> multiplier;
    private readonly Vector128<long> negShiftLo;
    private readonly Vector128<long> negShiftHi;
    private readonly Vector128<int> lo;
    private readonly Vector128<int> hi;
    private readonly Vector128<int> zeroPoint;

    /// <summary>Parameters of channels [c, c+4) from per-channel arrays.</summary>
    public Requant128(ReadOnlySpan<int> multipliers, ReadOnlySpan<int> shifts, int c, OutputRange range)
    {
        multiplier = Vector128.Create(multipliers[c], multipliers[c + 1], multipliers[c + 2], multipliers[c + 3]);
        negShiftLo = Vector128.Create(-(long)shifts[c], -(long)shifts[c + 1]);
        negShiftHi = Vector128.Create(-(long)shifts[c + 2], -(long)shifts[c + 3]);
        lo = Vector128.Create(range.Min - range.ZeroPoint);
        hi = Vector128.Create(range.Max - range.ZeroPoint);
        zeroPoint = Vector128.Create(range.ZeroPoint);
    }

    /// <summary>Parameters of one per-tensor multiplier broadcast to 4 lanes.</summary>
    public Requant128(int multiplier, int shift, OutputRange range)
    {
        this.multiplier = Vector128.Create(multiplier);
        negShiftLo = Vector128.Create(-(long)shift);
        negShiftHi = negShiftLo;
        lo = Vector128.Create(range.Min - range.ZeroPoint);
        hi = Vector128.Create(range.Max - range.ZeroPoint);
        zeroPoint = Vector128.Create(range.ZeroPoint);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Apply(Vector128<int> acc)
    {
        Vector128<long> pLo = AdvSimd.MultiplyWideningLower(acc.GetLower(), multiplier.GetLower());
        Vector128<long> pHi = AdvSimd.MultiplyWideningUpper(acc, multiplier);
        pLo = AdvSimd.ShiftArithmeticRounded(pLo, negShiftLo);
        pHi = AdvSimd.ShiftArithmeticRounded(pHi, negShiftHi);
        Vector128<int> v = AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(pLo), pHi);
        v = AdvSimd.Min(AdvSimd.Max(v, lo), hi);
        return AdvSimd.Add(v, zeroPoint);
    }
}

/// <summary>
/// <see cref="Requantization.Requantize(int,int,int,int,int,int)"/> for 8 channels at once on
/// AVX2. VPMULDQ gives exact 64-bit products of the even lanes (odd lanes are moved down by 32
/// bits first); the rounding constant 2^(n-1) is added in 64 bits; AVX2 has no 64-bit arithmetic
/// right shift, so it is computed as ((p XOR 2^63) >>> n) - (2^63 >>> n), exact for all p; the
/// clamp is done in 64 bits (VPCMPGTQ + blend) so the result then fits int32; the odd results are
/// moved back up and blended in. Build once per group of 8 channels outside the inner loops.
/// </summary>
public readonly struct Requant256
{
    private static readonly Vector256<long> SignBit = Vector256.Create(long.MinValue);

    private readonly Vector256<int> multiplier;
    private readonly Vector256<ulong> shiftEven;
    private readonly Vector256<ulong> shiftOdd;
    private readonly Vector256<long> roundEven;
    private readonly Vector256<long> roundOdd;
    private readonly Vector256<long> unbiasEven;
    private readonly Vector256<long> unbiasOdd;
    private readonly Vector256<long> lo;
    private readonly Vector256<long> hi;
    private readonly Vector256<int> zeroPoint;

    /// <summary>Parameters of channels [c, c+8) from per-channel arrays.</summary>
    public Requant256(ReadOnlySpan<int> multipliers, ReadOnlySpan<int> shifts, int c, OutputRange range)
    {
        multiplier = Vector256.Create(multipliers.Slice(c, 8));
        Span<int> s = stackalloc int[8];
        shifts.Slice(c, 8).CopyTo(s);
        shiftEven = Vector256.Create((ulong)s[0], (ulong)s[2], (ulong)s[4], (ulong)s[6]);
        shiftOdd = Vector256.Create((ulong)s[1], (ulong)s[3], (ulong)s[5], (ulong)s[7]);
        roundEven = Vector256.Create(1L << (s[0] - 1), 1L << (s[2] - 1), 1L << (s[4] - 1), 1L << (s[6] - 1));
        roundOdd = Vector256.Create(1L << (s[1] - 1), 1L << (s[3] - 1), 1L << (s[5] - 1), 1L << (s[7] - 1));
        unbiasEven = Vector256.Create(Unbias(s[0]), Unbias(s[2]), Unbias(s[4]), Unbias(s[6]));
        unbiasOdd = Vector256.Create(Unbias(s[1]), Unbias(s[3]), Unbias(s[5]), Unbias(s[7]));
        lo = Vector256.Create((long)range.Min - range.ZeroPoint);
        hi = Vector256.Create((long)range.Max - range.ZeroPoint);
        zeroPoint = Vector256.Create(range.ZeroPoint);
    }

    /// <summary>Parameters of one per-tensor multiplier broadcast to 8 lanes.</summary>
    public Requant256(int multiplier, int shift, OutputRange range)
    {
        this.multiplier = Vector256.Create(multiplier);
        shiftEven = Vector256.Create((ulong)shift);
        shiftOdd = shiftEven;
        roundEven = Vector256.Create(1L << (shift - 1));
        roundOdd = roundEven;
        unbiasEven = Vector256.Create(Unbias(shift));
        unbiasOdd = unbiasEven;
        lo = Vector256.Create((long)range.Min - range.ZeroPoint);
        hi = Vector256.Create((long)range.Max - range.ZeroPoint);
        zeroPoint = Vector256.Create(range.ZeroPoint);
    }

    private static long Unbias(int shift) => (long)(0x8000_0000_0000_0000UL >> shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Apply(Vector256<int> acc)
    {
        Vector256<long> even = Avx2.Multiply(acc, multiplier);
        Vector256<long> odd = Avx2.Multiply(
            Avx2.ShiftRightLogical(acc.AsInt64(), 32).AsInt32(),
            Avx2.ShiftRightLogical(multiplier.AsInt64(), 32).AsInt32());
        even = ShiftClamp(Avx2.Add(even, roundEven), shiftEven, unbiasEven);
        odd = ShiftClamp(Avx2.Add(odd, roundOdd), shiftOdd, unbiasOdd);
        Vector256<int> v = Avx2.Blend(even.AsInt32(), Avx2.ShiftLeftLogical(odd, 32).AsInt32(), 0b1010_1010);
        return Avx2.Add(v, zeroPoint);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<long> ShiftClamp(Vector256<long> p, Vector256<ulong> shift, Vector256<long> unbias)
    {
        Vector256<long> v = Avx2.Subtract(
            Avx2.ShiftRightLogicalVariable(Avx2.Xor(p, SignBit).AsUInt64(), shift).AsInt64(), unbias);
        v = Avx2.BlendVariable(v, lo, Avx2.CompareGreaterThan(lo, v).AsInt64());
        return Avx2.BlendVariable(v, hi, Avx2.CompareGreaterThan(v, hi).AsInt64());
    }
}
