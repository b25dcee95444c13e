// ShuffleNet channel shuffle on NHWC tensors: per pixel, channels viewed as [g][C/g] are
// transposed to [C/g][g]: out[j*g + i] = in[i*(C/g) + j]. Pure data movement (a small strided
// gather per pixel), so there is no SIMD twin and no variant list: this one implementation is both
// reference and production path. Any unmanaged element type. No arithmetic, no rounding.
// Input and output must not overlap.
namespace AQD.Edge.Kernels.Movement;

/// <summary>Validated shape of one channel shuffle.</summary>
public sealed class ChannelShuffleParams
{
    public ChannelShuffleParams(int pixels, int channels, int groups)
    {
        if (pixels < 0)
        {
            throw new ArgumentException($"ChannelShuffle: pixels = {pixels} must be non-negative.", nameof(pixels));
        }
        if (channels <= 0)
        {
            throw new ArgumentException($"ChannelShuffle: channels = {channels} must be positive.", nameof(channels));
        }
        if (groups <= 0 || channels % groups != 0)
        {
            throw new ArgumentException($"ChannelShuffle: groups = {groups} must be positive and divide channels = {channels}.", nameof(groups));
        }
        if ((long)pixels * channels > int.MaxValue)
        {
            throw new ArgumentException($"ChannelShuffle: {pixels} x {channels} elements exceed 2^31 - 1.", nameof(pixels));
        }
        Pixels = pixels;
        Channels = channels;
        Groups = groups;
    }

    public int Pixels { get; }
    public int Channels { get; }
    public int Groups { get; }
}

/// <summary>Channel shuffle (pure data movement).</summary>
public static class ChannelShuffle
{
    public static void Run<T>(ChannelShuffleParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
    {
        int c = p.Channels, g = p.Groups, perGroup = c / g;
        if (input.Length < p.Pixels * c || output.Length < p.Pixels * c)
        {
            throw new ArgumentException($"ChannelShuffle: spans of {input.Length} and {output.Length} elements for {p.Pixels} pixels x {c} channels.");
        }
        for (int px = 0; px < p.Pixels; px++)
        {
            ReadOnlySpan<T> src = input.Slice(px * c, c);
            Span<T> dst = output.Slice(px * c, c);
            for (int i = 0; i < g; i++)
            {
                ReadOnlySpan<T> group = src.Slice(i * perGroup, perGroup);
                for (int j = 0; j < perGroup; j++)
                {
                    dst[j * g + i] = group[j];
                }
            }
        }
    }
}
