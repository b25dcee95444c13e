// Bilinear resize parameters, prepared with INTEGER MATH ONLY (so this lives beside the kernel,
// not in Preparation). Layout: NHWC [N][IH][IW][C] -> [N][OH][OW][C], same element format in and
// out (uint8 / unsigned one per byte as byte, int8 as sbyte; no rescaling).
// Source coordinate of output index d, as a rational number, clamped to [0, in - 1]:
//   HalfPixel    (cv2 INTER_LINEAR, TF half_pixel_centers=True):      (d + 1/2) * in/out - 1/2
//   Asymmetric   (TF align_corners=false, half_pixel_centers=false):  d * in/out
//   AlignCorners (TF align_corners=true):                             d * (in-1)/(out-1)
// It is stored in fixed point with F = 11 fractional bits, rounded to nearest (ties up):
// srcF = floor((2*num*2^F + den) / (2*den)) for src = num/den; then i0 = srcF >> F,
// i1 = min(i0 + 1, in - 1), weight1 = srcF & (2^F - 1), weight0 = 2^F - weight1.
// Run: top = w0x*p00 + w1x*p01, bottom = w0x*p10 + w1x*p11 (|.| <= 255 * 2^11 < 2^19),
// sum = w0y*top + w1y*bottom (|sum| <= 255 * 2^22 < 2^30, int32), out = (sum + 2^(2F-1)) >> 2F
// (arithmetic shift: floor, ties toward +infinity). The result is a convex combination, so it
// lies in the input range and needs no clamp.
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Resize;

/// <summary>How output pixel centres map to input coordinates.</summary>
public enum BilinearCoordinates
{
    /// <summary>cv2.resize INTER_LINEAR, TF half_pixel_centers=True: (d + 0.5) * in/out - 0.5.</summary>
    HalfPixel = 0,
    /// <summary>TF legacy align_corners=false, half_pixel_centers=false: d * in/out.</summary>
    Asymmetric = 1,
    /// <summary>TF align_corners=true: d * (in - 1)/(out - 1).</summary>
    AlignCorners = 2,
}

/// <summary>Validated bilinear resize with precomputed integer source indices and weights.</summary>
public sealed class BilinearParams
{
    /// <summary>Fractional bits of coordinates and weights.</summary>
    public const int FractionBits = 11;

    /// <summary>2^F: weight0 + weight1.</summary>
    public const int One = 1 << FractionBits;

    /// <summary>Largest input or output height / width accepted.</summary>
    public const int MaxSize = 1 << 15;

    private readonly int[] x0, x1, wx, y0, y1, wy;

    public BilinearParams(int batch, int inHeight, int inWidth, int outHeight, int outWidth, int channels,
        ActivationFormat format, BilinearCoordinates coordinates = BilinearCoordinates.HalfPixel)
    {
        static void Check(bool ok, string field, object value, string rule)
        {
            if (!ok)
            {
                throw new ArgumentException($"BilinearResize: {field} = {value} is invalid ({rule}).", field);
            }
        }
        Check(batch > 0, nameof(batch), batch, "must be positive");
        Check(inHeight is > 0 and <= MaxSize, nameof(inHeight), inHeight, $"must be in [1, {MaxSize}]");
        Check(inWidth is > 0 and <= MaxSize, nameof(inWidth), inWidth, $"must be in [1, {MaxSize}]");
        Check(outHeight is > 0 and <= MaxSize, nameof(outHeight), outHeight, $"must be in [1, {MaxSize}]");
        Check(outWidth is > 0 and <= MaxSize, nameof(outWidth), outWidth, $"must be in [1, {MaxSize}]");
        Check(channels > 0, nameof(channels), channels, "must be positive");
        Check(format.Storage is ActivationStorage.UInt8 or ActivationStorage.Int8, nameof(format), format, "uint8 / unsigned or int8");
        Check(Enum.IsDefined(coordinates), nameof(coordinates), coordinates, "unknown mode");
        Check((long)batch * Math.Max(inHeight * (long)inWidth, outHeight * (long)outWidth) * channels <= int.MaxValue,
            nameof(channels), channels, "tensor exceeds 2^31 - 1 elements");
        try
        {
            format.Validate("BilinearResize");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, nameof(format));
        }
        Batch = batch;
        InHeight = inHeight;
        InWidth = inWidth;
        OutHeight = outHeight;
        OutWidth = outWidth;
        Channels = channels;
        Format = format;
        Coordinates = coordinates;
        (x0, x1, wx) = Axis(inWidth, outWidth, coordinates, channels);
        (y0, y1, wy) = Axis(inHeight, outHeight, coordinates, 1);
    }

    public int Batch { get; }
    public int InHeight { get; }
    public int InWidth { get; }
    public int OutHeight { get; }
    public int OutWidth { get; }
    public int Channels { get; }
    public ActivationFormat Format { get; }
    public BilinearCoordinates Coordinates { get; }
    public int InputElements => Batch * InHeight * InWidth * Channels;
    public int OutputElements => Batch * OutHeight * OutWidth * Channels;

    /// <summary>Element offset (x * C) of the left / right source column of output column ox.</summary>
    public ReadOnlySpan<int> X0 => x0;
    public ReadOnlySpan<int> X1 => x1;
    /// <summary>Weight of the right column (weight of the left = One - this).</summary>
    public ReadOnlySpan<int> WeightX => wx;
    /// <summary>Upper / lower source row of output row oy.</summary>
    public ReadOnlySpan<int> Y0 => y0;
    public ReadOnlySpan<int> Y1 => y1;
    /// <summary>Weight of the lower row (weight of the upper = One - this).</summary>
    public ReadOnlySpan<int> WeightY => wy;

    /// <summary>Fixed-point source coordinate (F fractional bits) of output index d; integer math only.</summary>
    public static long SourceFixed(int d, int inSize, int outSize, BilinearCoordinates mode)
    {
        long num, den;
        switch (mode)
        {
            case BilinearCoordinates.HalfPixel:
                num = (2L * d + 1) * inSize - outSize;
                den = 2L * outSize;
                break;
            case BilinearCoordinates.Asymmetric:
                num = (long)d * inSize;
                den = outSize;
                break;
            default:
                num = outSize > 1 ? (long)d * (inSize - 1) : 0;
                den = outSize > 1 ? outSize - 1 : 1;
                break;
        }
        if (num <= 0)
        {
            return 0;
        }
        long src = (2 * (num << FractionBits) + den) / (2 * den);   // both positive: / is floor
        return Math.Min(src, (long)(inSize - 1) << FractionBits);
    }

    private static (int[] I0, int[] I1, int[] W) Axis(int inSize, int outSize, BilinearCoordinates mode, int stride)
    {
        var i0 = new int[outSize];
        var i1 = new int[outSize];
        var w = new int[outSize];
        for (int d = 0; d < outSize; d++)
        {
            long src = SourceFixed(d, inSize, outSize, mode);
            int lo = (int)(src >> FractionBits);
            i0[d] = lo * stride;
            i1[d] = Math.Min(lo + 1, inSize - 1) * stride;
            w[d] = (int)(src & (One - 1));
        }
        return (i0, i1, w);
    }
}
