// Parameters of the Requantize op: converts an activation tensor from one ActivationFormat to
// another (uint8 / unsigned b-bit one per byte, int8, int16, packed unsigned 2/3/4-bit), THE rule.
// Layout: NHWC, `pixels` pixels of `channels` channels; unpacked tensors are flat runs of
// pixels*channels elements, packed tensors store each pixel in format.PixelBytes(channels) bytes
// (first channel in the low bits, pixels byte-aligned, unused high bits of a pixel's last byte 0).
// Per element:  out = Requantize(x - zpIn, M0, n, zpOut, [outMin, outMax])   (Requantization.cs)
//               = clamp(floor(((x - zpIn) * M0 + 2^(n-1)) / 2^n) + zpOut, outMin, outMax)
// Bounds: |x - zpIn| <= 65535 and M0 < 2^31, so the product stays below 2^47 (exact in int64 and
// in the vector forms Requant128 / Requant256); nothing to check beyond the multiplier's validity.
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>Validated integer parameters of one Requantize (format conversion with rescaling).</summary>
public sealed class RequantizeParams
{
    /// <param name="input">Input format (any supported <see cref="ActivationFormat"/>).</param>
    /// <param name="output">Output format; its full range [Min, Max] is the clamp.</param>
    /// <param name="multiplier">Fixed-point multiplier s_in / s_out.</param>
    /// <param name="pixels">Pixels (H x W) of the tensor.</param>
    /// <param name="channels">Channels per pixel.</param>
    public RequantizeParams(ActivationFormat input, ActivationFormat output, ChannelRequant multiplier, int pixels, int channels)
    {
        Check(input, nameof(input));
        Check(output, nameof(output));
        if (!Requantization.IsValid(multiplier.Multiplier, multiplier.Shift))
        {
            throw new ArgumentException(
                $"Requantize: multiplier = {multiplier} is not a valid fixed-point multiplier (M0 >= 0, shift in [{Requantization.MinShift}, {Requantization.MaxShift}]).",
                nameof(multiplier));
        }
        if (pixels < 0 || channels < 0)
        {
            throw new ArgumentException($"Requantize: pixels = {pixels} and channels = {channels} must be non-negative.", nameof(pixels));
        }
        long inBytes = (long)pixels * input.PixelBytes(channels), outBytes = (long)pixels * output.PixelBytes(channels);
        if ((long)pixels * channels > int.MaxValue || inBytes > int.MaxValue || outBytes > int.MaxValue)
        {
            throw new ArgumentException($"Requantize: {pixels} pixels x {channels} channels exceed 2^31 - 1 elements or bytes.", nameof(pixels));
        }
        Input = input;
        Output = output;
        Multiplier = multiplier;
        Pixels = pixels;
        Channels = channels;
        Range = new OutputRange(output.ZeroPoint, output.Min, output.Max);
        InputBytes = (int)inBytes;
        OutputBytes = (int)outBytes;
    }

    public ActivationFormat Input { get; }
    public ActivationFormat Output { get; }
    public ChannelRequant Multiplier { get; }
    public int Pixels { get; }
    public int Channels { get; }

    /// <summary>Output zero point and clamp range (the output format's full range).</summary>
    public OutputRange Range { get; }

    /// <summary>Elements (pixels x channels).</summary>
    public int Length => Pixels * Channels;

    public int InputBytes { get; }
    public int OutputBytes { get; }

    /// <summary>Whether either side is packed (then every variant runs the scalar pixel loop).</summary>
    public bool AnyPacked => Input.Storage == ActivationStorage.PackedUnsigned || Output.Storage == ActivationStorage.PackedUnsigned;

    public override string ToString() => $"Requantize {Input} -> {Output}, M = {Multiplier}, {Pixels} x {Channels}";

    private static void Check(ActivationFormat f, string field)
    {
        try
        {
            f.Validate($"Requantize {field}");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, field);
        }
    }
}
