// Concatenation on channels of N NHWC tensors with the same N, H, W: output pixel p holds input
// 0's C0 channels, then input 1's C1 channels, ... Pure data movement (Span.CopyTo of each input's
// pixel run, which the runtime already vectorizes), so there is no SIMD twin and no variant list:
// this one implementation is both reference and production path. Any unmanaged element type
// (byte, sbyte, short; packed low-bit tensors must be unpacked first). No arithmetic, no rounding.
namespace AQD.Edge.Kernels.Movement;

/// <summary>Validated shape of one channel concatenation.</summary>
public sealed class ConcatChannelsParams
{
    private readonly int[] channels;
    private readonly int[] offsets;

    /// <param name="pixels">N * H * W, shared by every input.</param>
    /// <param name="inputChannels">Channels of each input, in output order.</param>
    public ConcatChannelsParams(int pixels, ReadOnlySpan<int> inputChannels)
    {
        if (pixels < 0)
        {
            throw new ArgumentException($"ConcatChannels: pixels = {pixels} must be non-negative.", nameof(pixels));
        }
        if (inputChannels.Length == 0)
        {
            throw new ArgumentException("ConcatChannels: inputChannels is empty; at least one input is needed.", nameof(inputChannels));
        }
        channels = inputChannels.ToArray();
        offsets = new int[channels.Length];
        long total = 0;
        for (int i = 0; i < channels.Length; i++)
        {
            if (channels[i] <= 0)
            {
                throw new ArgumentException($"ConcatChannels: inputChannels[{i}] = {channels[i]} must be positive.", nameof(inputChannels));
            }
            offsets[i] = (int)Math.Min(total, int.MaxValue);
            total += channels[i];
        }
        if (total * pixels > int.MaxValue)
        {
            throw new ArgumentException($"ConcatChannels: output of {pixels} x {total} elements exceeds 2^31 - 1.", nameof(pixels));
        }
        Pixels = pixels;
        OutputChannels = (int)total;
    }

    public int Pixels { get; }
    public int Inputs => channels.Length;
    public int OutputChannels { get; }
    public int InputChannels(int input) => channels[input];
    public int ChannelOffset(int input) => offsets[input];
}

/// <summary>Channel concatenation (pure copy).</summary>
public static class ConcatChannels
{
    /// <summary>Copies input <paramref name="index"/> into its channel slot of every output pixel.</summary>
    public static void CopyInput<T>(ConcatChannelsParams p, int index, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
    {
        if ((uint)index >= (uint)p.Inputs)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"ConcatChannels: {p.Inputs} inputs.");
        }
        int c = p.InputChannels(index), oc = p.OutputChannels;
        if (input.Length < p.Pixels * c || output.Length < p.Pixels * oc)
        {
            throw new ArgumentException($"ConcatChannels: spans of {input.Length} and {output.Length} elements for {p.Pixels} pixels x {c} / {oc} channels.");
        }
        if (p.Pixels == 0)
        {
            return;
        }
        Span<T> dst = output.Slice(p.ChannelOffset(index));
        if (c == oc)
        {
            input.Slice(0, p.Pixels * c).CopyTo(dst);
            return;
        }
        for (int px = 0; px < p.Pixels; px++)
        {
            input.Slice(px * c, c).CopyTo(dst.Slice(px * oc, c));
        }
    }

    /// <summary>Concatenates all inputs (in order); the params span is built on the stack by the compiler.</summary>
    public static void Run<T>(ConcatChannelsParams p, Span<T> output, params ReadOnlySpan<ReadOnlyMemory<T>> inputs) where T : unmanaged
    {
        if (inputs.Length != p.Inputs)
        {
            throw new ArgumentException($"ConcatChannels: {inputs.Length} inputs given, {p.Inputs} prepared.", nameof(inputs));
        }
        for (int i = 0; i < inputs.Length; i++)
        {
            CopyInput(p, i, inputs[i].Span, output);
        }
    }
}
