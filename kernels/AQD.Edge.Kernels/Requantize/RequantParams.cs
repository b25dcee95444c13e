using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Kernels.Requantize;

/// <summary>
/// Per-output-channel requantization parameters of one op (int32 bias at the accumulator scale,
/// fixed-point multiplier M0 * 2^-n) and the output range, validated at prepare time. Arrays are
/// padded to a multiple of <see cref="Padding"/> channels (bias 0, multiplier 0, shift 1) so vector
/// code may read whole groups of channels without tail checks.
/// <para>
/// Optionally (fused LeakyReLU) a second per-channel multiplier applies to negative values:
/// v = acc + bias, out = Requantize(v, v &gt;= 0 ? positive[c] : negative[c], range). The negative
/// multiplier is M_neg = M_pos * alpha, prepared at preparation time
/// (<see cref="Preparation.LeakyReluPreparation"/>). Without it (<see cref="HasNegative"/> false)
/// every variant runs the plain path unchanged.
/// </para>
/// </summary>
public sealed class RequantParams
{
    /// <summary>Channel count the arrays are padded to a multiple of.</summary>
    public const int Padding = 16;

    private readonly int[] bias;
    private readonly int[] multipliers;
    private readonly int[] shifts;
    private readonly int[] negMultipliers;
    private readonly int[] negShifts;

    public RequantParams(ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> channels, OutputRange range)
        : this(bias, channels, [], false, range)
    {
    }

    /// <summary>
    /// Fused LeakyReLU form: <paramref name="positive"/> applies to v = acc + bias &gt;= 0,
    /// <paramref name="negative"/> (M_pos * alpha, both non-negative fixed-point multipliers) to v &lt; 0.
    /// </summary>
    public RequantParams(ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> positive, ReadOnlySpan<ChannelRequant> negative,
        OutputRange range)
        : this(bias, positive, negative, true, range)
    {
    }

    /// <summary>Factory for the fused LeakyReLU form (same as the four-argument constructor).</summary>
    public static RequantParams Leaky(ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> positive,
        ReadOnlySpan<ChannelRequant> negative, OutputRange range) => new(bias, positive, negative, range);

    private RequantParams(ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> channels, ReadOnlySpan<ChannelRequant> negative,
        bool hasNegative, OutputRange range)
    {
        if (hasNegative && negative.Length != channels.Length)
        {
            throw new ArgumentException(
                $"Requantization: {channels.Length} positive-side multipliers but {negative.Length} negative-side ones.");
        }
        if (bias.Length != channels.Length)
        {
            throw new ArgumentException(
                $"Requantization: bias has {bias.Length} channels but the multipliers have {channels.Length}.");
        }
        if (channels.Length == 0)
        {
            throw new ArgumentException("Requantization: at least one channel is required.");
        }
        if (range.Min > range.Max || range.ZeroPoint < range.Min || range.ZeroPoint > range.Max)
        {
            throw new ArgumentException(
                $"Requantization: output range [{range.Min}, {range.Max}] with zero point {range.ZeroPoint} is invalid.");
        }
        Channels = channels.Length;
        Range = range;
        int padded = (Channels + Padding - 1) / Padding * Padding;
        this.bias = new int[padded];
        multipliers = new int[padded];
        shifts = new int[padded];
        Array.Fill(shifts, Requantization.MinShift);
        for (int c = 0; c < Channels; c++)
        {
            var p = channels[c];
            if (!Requantization.IsValid(p.Multiplier, p.Shift))
            {
                throw new ArgumentException(
                    $"Requantization: channel {c} has multiplier {p.Multiplier}, shift {p.Shift}; " +
                    $"need multiplier >= 0 and shift in [{Requantization.MinShift}, {Requantization.MaxShift}].");
            }
            this.bias[c] = bias[c];
            multipliers[c] = p.Multiplier;
            shifts[c] = p.Shift;
        }
        Blocks256 = Avx2.IsSupported ? BuildBlocks(8, c => new Requant256(multipliers, shifts, c, range)) : [];
        Blocks128 = AdvSimd.Arm64.IsSupported ? BuildBlocks(4, c => new Requant128(multipliers, shifts, c, range)) : [];
        HasNegative = hasNegative;
        if (!hasNegative)
        {
            negMultipliers = [];
            negShifts = [];
            NegBlocks256 = [];
            NegBlocks128 = [];
            return;
        }
        negMultipliers = new int[padded];
        negShifts = new int[padded];
        Array.Fill(negShifts, Requantization.MinShift);
        for (int c = 0; c < Channels; c++)
        {
            var p = negative[c];
            if (!Requantization.IsValid(p.Multiplier, p.Shift))
            {
                throw new ArgumentException(
                    $"Requantization: channel {c} has negative-side multiplier {p.Multiplier}, shift {p.Shift}; " +
                    $"need multiplier >= 0 and shift in [{Requantization.MinShift}, {Requantization.MaxShift}].");
            }
            negMultipliers[c] = p.Multiplier;
            negShifts[c] = p.Shift;
        }
        int[] nm = negMultipliers, ns = negShifts;
        NegBlocks256 = Avx2.IsSupported ? BuildBlocks(8, c => new Requant256(nm, ns, c, range)) : [];
        NegBlocks128 = AdvSimd.Arm64.IsSupported ? BuildBlocks(4, c => new Requant128(nm, ns, c, range)) : [];
    }

    private T[] BuildBlocks<T>(int width, Func<int, T> create)
    {
        var blocks = new T[multipliers.Length / width];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = create(i * width);
        }
        return blocks;
    }

    private RequantParams(RequantParams source, int[] newBias)
    {
        Channels = source.Channels;
        Range = source.Range;
        bias = newBias;
        multipliers = source.multipliers;
        shifts = source.shifts;
        Blocks256 = source.Blocks256;
        Blocks128 = source.Blocks128;
        HasNegative = source.HasNegative;
        negMultipliers = source.negMultipliers;
        negShifts = source.negShifts;
        NegBlocks256 = source.NegBlocks256;
        NegBlocks128 = source.NegBlocks128;
    }

    /// <summary>Vector parameters of channels [8i, 8i+8), prepared once (empty without Avx2).</summary>
    internal Requant256[] Blocks256 { get; }

    /// <summary>Vector parameters of channels [4i, 4i+4), prepared once (empty without AdvSimd).</summary>
    internal Requant128[] Blocks128 { get; }

    /// <summary>Negative-side vector parameters (fused LeakyReLU) of channels [8i, 8i+8) (empty without Avx2 or without them).</summary>
    internal Requant256[] NegBlocks256 { get; }

    /// <summary>Negative-side vector parameters (fused LeakyReLU) of channels [4i, 4i+4) (empty without AdvSimd or without them).</summary>
    internal Requant128[] NegBlocks128 { get; }

    public int Channels { get; }

    /// <summary>Whether a negative-side multiplier (fused LeakyReLU) is present.</summary>
    public bool HasNegative { get; }

    /// <summary>Negative-side M0 per channel, padded with zeros; empty when <see cref="HasNegative"/> is false.</summary>
    public ReadOnlySpan<int> NegativeMultipliers => negMultipliers;

    /// <summary>Negative-side right shift per channel, padded with 1; empty when <see cref="HasNegative"/> is false.</summary>
    public ReadOnlySpan<int> NegativeShifts => negShifts;

    public OutputRange Range { get; }

    /// <summary>Bias per channel, padded with zeros.</summary>
    public ReadOnlySpan<int> Bias => bias;

    /// <summary>M0 per channel, padded with zeros.</summary>
    public ReadOnlySpan<int> Multipliers => multipliers;

    /// <summary>Right shift n per channel, padded with 1.</summary>
    public ReadOnlySpan<int> Shifts => shifts;

    /// <summary>
    /// A copy whose bias is this bias plus <paramref name="extra"/> per channel (zero-point or
    /// sign-trick corrections folded in at prepare time). Overflow of int32 is an error.
    /// </summary>
    public RequantParams WithBiasAdded(ReadOnlySpan<long> extra)
    {
        if (extra.Length != Channels)
        {
            throw new ArgumentException($"Requantization: bias correction has {extra.Length} channels, expected {Channels}.");
        }
        var sum = (int[])bias.Clone();
        for (int c = 0; c < Channels; c++)
        {
            long v = bias[c] + extra[c];
            if (v is < int.MinValue or > int.MaxValue)
            {
                throw new ArgumentException($"Requantization: corrected bias of channel {c} ({v}) does not fit int32.");
            }
            sum[c] = (int)v;
        }
        return new RequantParams(this, sum);
    }

    /// <summary>Largest |bias| over the channels (for accumulator bound checks at prepare time).</summary>
    public long MaxAbsBias()
    {
        long max = 0;
        for (int c = 0; c < Channels; c++)
        {
            max = Math.Max(max, Math.Abs((long)bias[c]));
        }
        return max;
    }
}
