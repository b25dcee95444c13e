// Global average pool parameters. Layout: NHWC input [N][H][W][C] uint8/int8 with a zero point,
// output [N][C] (= [N][1][1][C]) uint8/int8 with its own zero point.
// Accumulator: acc = sum over H*W of x, plus Bias = -H*W*zpIn; |acc| <= H*W*255 <= 2^31 - 1 is
// checked here (H*W <= 8,421,504). Rounding: THE rule, out = Requantize(acc, M, n, zpOut, range),
// where M * 2^-n ~= s_in / (s_out * H * W) (Preparation.GlobalAveragePoolPreparation).
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Pooling;

/// <summary>Validated integer parameters of one global average pool.</summary>
public sealed class GlobalAveragePoolParams
{
    public GlobalAveragePoolParams(int batch, int height, int width, int channels,
        ActivationFormat input, ActivationFormat output, ChannelRequant multiplier, bool relu = false)
    {
        static void Check(bool ok, string field, object value, string rule)
        {
            if (!ok)
            {
                throw new ArgumentException($"GlobalAveragePool: {field} = {value} is invalid ({rule}).", field);
            }
        }
        Check(batch > 0, nameof(batch), batch, "must be positive");
        Check(height > 0, nameof(height), height, "must be positive");
        Check(width > 0, nameof(width), width, "must be positive");
        Check(channels > 0, nameof(channels), channels, "must be positive");
        Check(input.Storage is ActivationStorage.UInt8 or ActivationStorage.Int8, nameof(input), input, "uint8 / unsigned or int8");
        Check(output.Storage is ActivationStorage.UInt8 or ActivationStorage.Int8, nameof(output), output, "uint8 / unsigned or int8");
        try
        {
            input.Validate("GlobalAveragePool input");
            output.Validate("GlobalAveragePool output");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, "format");
        }
        long pixels = (long)height * width;
        Check(pixels * 255 <= int.MaxValue, "height*width", pixels, "the int32 sum needs H*W*255 < 2^31");
        Check((long)batch * pixels * channels <= int.MaxValue, "input size", $"{batch}x{height}x{width}x{channels}", "must have fewer than 2^31 elements");
        Check(Requantization.IsValid(multiplier.Multiplier, multiplier.Shift), nameof(multiplier), multiplier,
            $"M0 >= 0 and shift in [{Requantization.MinShift}, {Requantization.MaxShift}]");
        Batch = batch;
        Height = height;
        Width = width;
        Channels = channels;
        Input = input;
        Output = output;
        Multiplier = multiplier;
        Bias = -(int)pixels * input.ZeroPoint;
        Range = new OutputRange(output.ZeroPoint, relu ? output.ZeroPoint : output.Min, output.Max);
    }

    public int Batch { get; }
    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }
    public ActivationFormat Input { get; }
    public ActivationFormat Output { get; }
    public ChannelRequant Multiplier { get; }

    /// <summary>-H*W*zpIn, added to every channel sum.</summary>
    public int Bias { get; }

    public OutputRange Range { get; }
}
