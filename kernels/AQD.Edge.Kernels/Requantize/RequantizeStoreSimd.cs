using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Requantize;

/// <summary>
/// Output stage, vector variants (AdvSimd, Avx2), one loop skeleton for both.
/// Same layout and arithmetic as <see cref="RequantizeStoreReference"/>. Channels go in blocks of 8:
/// bias add (int32, wrapping exactly like the scalar add) and the rule through
/// <see cref="Requant128"/> / <see cref="Requant256"/>; the clamped int32 results lie inside the
/// output type, so plain (non-saturating) narrowing to int16/int8 is exact. Packed low-bit outputs
/// whose block starts on a byte boundary are assembled from the 8 values and written as whole
/// bytes (8 channels = 4 bytes at 4-bit, 2 bytes at 2-bit). Channels left over (fewer than 8) and
/// blocks not byte-aligned in a packed output go through the scalar twin, so tails are handled once.
/// Parameters are loaded once per block, outside the row loop; the multiplier/shift vectors of
/// 8-aligned (Avx2) or 4-aligned (AdvSimd) blocks are prepared once in <see cref="RequantParams"/>.
/// Fused LeakyReLU (<see cref="RequantParams.HasNegative"/>) uses separate block types (so the
/// plain path is the same code as without it): both requantizations of v = acc + bias are computed
/// with the positive and the negative multipliers and the lanes are blended by the sign of v, which
/// equals the scalar twin's per-value choice exactly.
/// </summary>
internal static class RequantizeStoreSimd
{
    public static void RunAdvSimd(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
        RequantParams p, ActivationFormat outFormat, Span<byte> output, int outPixelBytes)
    {
        if (p.HasNegative)
        {
            Run<AdvSimdLeakyBlock>(acc, accStride, rows, channels, channelStart, p, outFormat, output, outPixelBytes);
        }
        else
        {
            Run<AdvSimdBlock>(acc, accStride, rows, channels, channelStart, p, outFormat, output, outPixelBytes);
        }
    }

    public static void RunAvx2(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
        RequantParams p, ActivationFormat outFormat, Span<byte> output, int outPixelBytes)
    {
        if (p.HasNegative)
        {
            Run<Avx2LeakyBlock>(acc, accStride, rows, channels, channelStart, p, outFormat, output, outPixelBytes);
        }
        else
        {
            Run<Avx2Block>(acc, accStride, rows, channels, channelStart, p, outFormat, output, outPixelBytes);
        }
    }

    private static void Run<TBlock>(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
        RequantParams p, ActivationFormat outFormat, Span<byte> output, int outPixelBytes)
        where TBlock : struct, IBlock8<TBlock>
    {
        if (rows <= 0)
        {
            return;
        }
        int per = outFormat.Storage == ActivationStorage.PackedUnsigned ? outFormat.LowBit.PerByte : 1;
        int cbits = 8 / per;
        int j = 0;
        for (; j + 8 <= channels; j += 8)
        {
            int c = channelStart + j;
            if (c % per != 0)
            {
                break; // unaligned packed output: the scalar twin does the rest
            }
            var block = TBlock.Create(p, c);
            for (int r = 0; r < rows; r++)
            {
                var (lo, hi) = block.Apply(acc.Slice(r * accStride + j, 8));
                Span<byte> pixel = output.Slice(r * outPixelBytes);
                switch (outFormat.Storage)
                {
                    case ActivationStorage.UInt8:
                    case ActivationStorage.Int8:
                        Vector128<short> s = Vector128.Narrow(lo, hi);
                        Vector128<sbyte> b = Vector128.Narrow(s, s);
                        MemoryMarshal.Write(pixel.Slice(c, 8), b.AsUInt64().ToScalar());
                        break;
                    case ActivationStorage.Int16:
                        Vector128.Narrow(lo, hi).StoreUnsafe(ref Unsafe.As<byte, short>(ref pixel[2 * c]));
                        break;
                    default:
                        StorePacked(pixel.Slice(c / per, 8 / per), lo, hi, per, cbits);
                        break;
                }
            }
        }
        if (j < channels)
        {
            RequantizeStoreReference.Run(acc.Slice(j), accStride, rows, channels - j, channelStart + j, p,
                outFormat, output, outPixelBytes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePacked(Span<byte> dest, Vector128<int> lo, Vector128<int> hi, int per, int cbits)
    {
        Span<int> v = stackalloc int[8];
        lo.CopyTo(v);
        hi.CopyTo(v.Slice(4));
        for (int i = 0; i < dest.Length; i++)
        {
            int b = 0;
            for (int k = 0; k < per; k++)
            {
                b |= v[i * per + k] << (k * cbits);
            }
            dest[i] = (byte)b;
        }
    }

    private interface IBlock8<TSelf> where TSelf : struct, IBlock8<TSelf>
    {
        static abstract TSelf Create(RequantParams p, int c);

        (Vector128<int> Lo, Vector128<int> Hi) Apply(ReadOnlySpan<int> acc8);
    }

    private readonly struct AdvSimdBlock : IBlock8<AdvSimdBlock>
    {
        private readonly Requant128 q0, q1;
        private readonly Vector128<int> b0, b1;

        private AdvSimdBlock(RequantParams p, int c)
        {
            bool cached = c % 4 == 0 && p.Blocks128.Length > 0;
            q0 = cached ? p.Blocks128[c / 4] : new Requant128(p.Multipliers, p.Shifts, c, p.Range);
            q1 = cached ? p.Blocks128[c / 4 + 1] : new Requant128(p.Multipliers, p.Shifts, c + 4, p.Range);
            b0 = Vector128.Create(p.Bias.Slice(c, 4));
            b1 = Vector128.Create(p.Bias.Slice(c + 4, 4));
        }

        public static AdvSimdBlock Create(RequantParams p, int c) => new(p, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector128<int> Lo, Vector128<int> Hi) Apply(ReadOnlySpan<int> acc8)
        {
            var a0 = AdvSimd.Add(Vector128.Create(acc8.Slice(0, 4)), b0);
            var a1 = AdvSimd.Add(Vector128.Create(acc8.Slice(4, 4)), b1);
            return (q0.Apply(a0), q1.Apply(a1));
        }
    }

    private readonly struct Avx2Block : IBlock8<Avx2Block>
    {
        private readonly Requant256 q;
        private readonly Vector256<int> bias;

        private Avx2Block(RequantParams p, int c)
        {
            q = c % 8 == 0 && p.Blocks256.Length > 0 ? p.Blocks256[c / 8] : new Requant256(p.Multipliers, p.Shifts, c, p.Range);
            bias = Vector256.Create(p.Bias.Slice(c, 8));
        }

        public static Avx2Block Create(RequantParams p, int c) => new(p, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector128<int> Lo, Vector128<int> Hi) Apply(ReadOnlySpan<int> acc8)
        {
            var v = q.Apply(System.Runtime.Intrinsics.X86.Avx2.Add(Vector256.Create(acc8), bias));
            return (v.GetLower(), v.GetUpper());
        }
    }

    private readonly struct AdvSimdLeakyBlock : IBlock8<AdvSimdLeakyBlock>
    {
        private readonly Requant128 q0, q1, n0, n1;
        private readonly Vector128<int> b0, b1;

        private AdvSimdLeakyBlock(RequantParams p, int c)
        {
            bool cached = c % 4 == 0 && p.Blocks128.Length > 0;
            q0 = cached ? p.Blocks128[c / 4] : new Requant128(p.Multipliers, p.Shifts, c, p.Range);
            q1 = cached ? p.Blocks128[c / 4 + 1] : new Requant128(p.Multipliers, p.Shifts, c + 4, p.Range);
            n0 = cached ? p.NegBlocks128[c / 4] : new Requant128(p.NegativeMultipliers, p.NegativeShifts, c, p.Range);
            n1 = cached ? p.NegBlocks128[c / 4 + 1] : new Requant128(p.NegativeMultipliers, p.NegativeShifts, c + 4, p.Range);
            b0 = Vector128.Create(p.Bias.Slice(c, 4));
            b1 = Vector128.Create(p.Bias.Slice(c + 4, 4));
        }

        public static AdvSimdLeakyBlock Create(RequantParams p, int c) => new(p, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector128<int> Lo, Vector128<int> Hi) Apply(ReadOnlySpan<int> acc8)
        {
            var a0 = AdvSimd.Add(Vector128.Create(acc8.Slice(0, 4)), b0);
            var a1 = AdvSimd.Add(Vector128.Create(acc8.Slice(4, 4)), b1);
            // CMLT #0 gives all-ones lanes where v < 0; BSL picks the negative-side result there.
            var m0 = AdvSimd.CompareLessThan(a0, Vector128<int>.Zero);
            var m1 = AdvSimd.CompareLessThan(a1, Vector128<int>.Zero);
            return (AdvSimd.BitwiseSelect(m0, n0.Apply(a0), q0.Apply(a0)),
                AdvSimd.BitwiseSelect(m1, n1.Apply(a1), q1.Apply(a1)));
        }
    }

    private readonly struct Avx2LeakyBlock : IBlock8<Avx2LeakyBlock>
    {
        private readonly Requant256 q, n;
        private readonly Vector256<int> bias;

        private Avx2LeakyBlock(RequantParams p, int c)
        {
            bool cached = c % 8 == 0 && p.Blocks256.Length > 0;
            q = cached ? p.Blocks256[c / 8] : new Requant256(p.Multipliers, p.Shifts, c, p.Range);
            n = cached ? p.NegBlocks256[c / 8] : new Requant256(p.NegativeMultipliers, p.NegativeShifts, c, p.Range);
            bias = Vector256.Create(p.Bias.Slice(c, 8));
        }

        public static Avx2LeakyBlock Create(RequantParams p, int c) => new(p, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector128<int> Lo, Vector128<int> Hi) Apply(ReadOnlySpan<int> acc8)
        {
            var a = System.Runtime.Intrinsics.X86.Avx2.Add(Vector256.Create(acc8), bias);
            // VPCMPGTD 0 > v: all-ones lanes where v < 0; VPBLENDVB takes the negative-side result there.
            var neg = System.Runtime.Intrinsics.X86.Avx2.CompareGreaterThan(Vector256<int>.Zero, a);
            var v = System.Runtime.Intrinsics.X86.Avx2.BlendVariable(q.Apply(a), n.Apply(a), neg);
            return (v.GetLower(), v.GetUpper());
        }
    }
}
