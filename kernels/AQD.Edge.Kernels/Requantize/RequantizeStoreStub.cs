// TEMPORARY stand-in for the shared output stage (OUTPUT_STAGE_API.md) until it lands on main;
// this file is deleted when main is merged. Scalar only, same API.
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Requantize;

public sealed class RequantParams
{
    private readonly int[] bias;
    private readonly int[] multipliers;
    private readonly int[] shifts;

    public RequantParams(ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> channels, OutputRange range)
    {
        Channels = bias.Length;
        Range = range;
        int padded = (Channels + 7) & ~7;
        this.bias = new int[padded];
        multipliers = new int[padded];
        shifts = new int[padded];
        shifts.AsSpan().Fill(1);
        bias.CopyTo(this.bias);
        for (int c = 0; c < Channels; c++)
        {
            multipliers[c] = channels[c].Multiplier;
            shifts[c] = channels[c].Shift;
        }
    }

    private RequantParams(int channels, OutputRange range, int[] bias, int[] multipliers, int[] shifts)
    {
        Channels = channels;
        Range = range;
        this.bias = bias;
        this.multipliers = multipliers;
        this.shifts = shifts;
    }

    public int Channels { get; }
    public OutputRange Range { get; }
    public ReadOnlySpan<int> Bias => bias;
    public ReadOnlySpan<int> Multipliers => multipliers;
    public ReadOnlySpan<int> Shifts => shifts;

    public RequantParams WithBiasAdded(ReadOnlySpan<int> extra)
    {
        var b = (int[])bias.Clone();
        for (int c = 0; c < Channels; c++)
        {
            b[c] = checked(b[c] + extra[c]);
        }
        return new RequantParams(Channels, Range, b, multipliers, shifts);
    }
}

public sealed class RequantizeStoreVariant : IKernelVariant
{
    public required string Name { get; init; }
    public required KernelIsa Isa { get; init; }
    public required RequantizeStore.Fn Run { get; init; }
}

public static class RequantizeStore
{
    public delegate void Fn(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
                            RequantParams p, ActivationFormat outFormat, Span<byte> output, int outPixelBytes);

    public static IReadOnlyList<RequantizeStoreVariant> Variants { get; } =
        [new RequantizeStoreVariant { Name = "RequantizeStoreScalar", Isa = KernelIsa.Scalar, Run = Scalar }];

    public static RequantizeStoreVariant Selected { get; } = KernelTable.Select(Variants);

    private static void Scalar(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
                               RequantParams p, ActivationFormat outFormat, Span<byte> output, int outPixelBytes)
    {
        var r = p.Range;
        for (int row = 0; row < rows; row++)
        {
            var pixel = output.Slice(row * outPixelBytes);
            for (int j = 0; j < channels; j++)
            {
                int c = channelStart + j;
                int v = Requantization.Requantize(acc[row * accStride + j] + p.Bias[c], p.Multipliers[c], p.Shifts[c],
                    r.ZeroPoint, r.Min, r.Max);
                switch (outFormat.Storage)
                {
                    case ActivationStorage.Int16:
                        pixel[2 * c] = (byte)v;
                        pixel[2 * c + 1] = (byte)(v >> 8);
                        break;
                    case ActivationStorage.PackedUnsigned:
                        int per = outFormat.LowBit.PerByte, cb = outFormat.LowBit.ContainerBits;
                        int sh = c % per * cb;
                        pixel[c / per] = (byte)((pixel[c / per] & ~(((1 << cb) - 1) << sh)) | (v << sh));
                        break;
                    default:
                        pixel[c] = (byte)v;
                        break;
                }
            }
        }
    }
}
