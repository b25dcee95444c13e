// TEMPORARY stand-in for the lead's shared output stage (OUTPUT_STAGE_API.md) so this branch builds
// before it lands on main. Deleted when main is merged. Scalar only.
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Requantize;

public sealed class RequantParams
{
    private readonly int[] bias, mult, shift;
    public RequantParams(ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> channels, OutputRange range)
    {
        Channels = channels.Length;
        Range = range;
        int n = (Channels + 7) / 8 * 8;
        this.bias = new int[n];
        mult = new int[n];
        shift = new int[n];
        shift.AsSpan().Fill(1);
        bias.CopyTo(this.bias);
        for (int i = 0; i < Channels; i++)
        {
            mult[i] = channels[i].Multiplier;
            shift[i] = channels[i].Shift;
        }
    }
    private RequantParams(int[] b, int[] m, int[] s, int ch, OutputRange r) { bias = b; mult = m; shift = s; Channels = ch; Range = r; }
    public int Channels { get; }
    public OutputRange Range { get; }
    public ReadOnlySpan<int> Bias => bias;
    public ReadOnlySpan<int> Multipliers => mult;
    public ReadOnlySpan<int> Shifts => shift;
    public RequantParams WithBiasAdded(ReadOnlySpan<int> extra)
    {
        var b = (int[])bias.Clone();
        for (int i = 0; i < extra.Length; i++) b[i] += extra[i];
        return new RequantParams(b, mult, shift, Channels, Range);
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
    public static RequantizeStoreVariant Selected => KernelTable.Select(Variants);

    private static void Scalar(ReadOnlySpan<int> acc, int accStride, int rows, int channels, int channelStart,
                            RequantParams p, ActivationFormat f, Span<byte> output, int outPixelBytes)
    {
        var r = p.Range;
        for (int row = 0; row < rows; row++)
        {
            Span<byte> px = output.Slice(row * outPixelBytes);
            for (int i = 0; i < channels; i++)
            {
                int c = channelStart + i;
                int v = Requantization.Requantize(acc[row * accStride + i] + p.Bias[c], p.Multipliers[c], p.Shifts[c], r.ZeroPoint, r.Min, r.Max);
                switch (f.Storage)
                {
                    case ActivationStorage.Int16: px[2 * c] = (byte)v; px[2 * c + 1] = (byte)(v >> 8); break;
                    case ActivationStorage.PackedUnsigned:
                        int per = f.LowBit.PerByte, cb = f.LowBit.ContainerBits, sh = c % per * cb;
                        px[c / per] = (byte)((px[c / per] & ~(((1 << cb) - 1) << sh)) | (v << sh));
                        break;
                    default: px[c] = (byte)v; break;
                }
            }
        }
    }
}
