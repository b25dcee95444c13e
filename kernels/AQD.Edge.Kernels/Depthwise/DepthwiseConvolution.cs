using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Requantize;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Depthwise;

/// <summary>
/// Prepared depthwise convolution (Groups == InChannels == OutChannels, channel multiplier 1; one
/// channel is accepted too, unlike <see cref="ConvGeometry.IsDepthwise"/>), the
/// TFLite-Micro-style op: <see cref="Prepare"/> validates everything and packs the weights,
/// <see cref="Run(ReadOnlySpan{byte}, Span{byte}, Span{byte}, int, int)"/> computes a band of
/// output rows with no allocation and no checks beyond span lengths.
/// <para>
/// Data layout: input and output are one NHWC image each (channels contiguous). Input storage:
/// uint8 (unsigned b-bit or zero point), int8 (zero point), int16 (zero point 0) or packed unsigned
/// 2/3/4-bit (each pixel byte-aligned). Output: any <see cref="ActivationFormat"/> the shared output
/// stage writes (uint8 / int8 / int16 / packed).
/// </para>
/// <para>
/// Algorithm (shared by every variant): input rows are widened once each into a ring of KernelH
/// int16 rows of [InWidth + PadLeft + PadRight][Cp] (Cp = channels rounded up to 16; padding pixels
/// and padding rows hold the input zero point, packed input is unpacked while widening); the
/// variant's accumulator sums w * x over the taps for one output row into int32 [OutWidth][Cp]; the
/// shared output stage <see cref="RequantizeStore"/> adds the folded bias and applies THE rule.
/// </para>
/// <para>
/// Zero point: padded taps read zp like real ones, so sum_t w[t][c] * (x - zp) =
/// acc - zp * sum_t w[t][c] for every output pixel, and the correction -zp * sum_t w[t][c] is folded
/// into the bias at preparation. Accumulator bounds: per channel, the preparation computes the
/// exact range of acc over all inputs of the format plus the folded bias and refuses it unless it
/// lies inside int32.
/// </para>
/// <para>
/// Scratch (<see cref="ScratchBytes"/>): ring rows (KernelH * paddedWidth * Cp * 2 bytes),
/// accumulators (OutWidth * Cp * 4) and tap offsets (KernelH * KernelW * 4), each 64-byte aligned
/// relative to the scratch start. Its contents need not be initialized. Run is reentrant:
/// all state lives in the scratch.
/// </para>
/// </summary>
public sealed class DepthwiseConvolution
{
    private const int Align = 64;

    private readonly int paddedWidth, rowElements, ringOffset, accOffset, tapOffset, inputPixelBytes, outputPixelBytes;

    private DepthwiseConvolution(ConvGeometry geometry, ActivationFormat inputFormat, ReadOnlyMemory<byte> packedWeights,
        RequantParams requant, ActivationFormat outputFormat)
    {
        Geometry = geometry;
        InputFormat = inputFormat;
        OutputFormat = outputFormat;
        PackedWeights = packedWeights;
        Requant = requant;
        Variant = DepthwiseKernels.Selected;
        PaddedChannels = DepthwiseWeights.PaddedChannels(geometry.InChannels);
        paddedWidth = geometry.InWidth + geometry.PadLeft + geometry.PadRight;
        rowElements = paddedWidth * PaddedChannels;
        inputPixelBytes = inputFormat.PixelBytes(geometry.InChannels);
        outputPixelBytes = outputFormat.PixelBytes(geometry.OutChannels);
        long offset = 0;
        ringOffset = 0;
        offset = AlignUp(offset + (long)geometry.KernelH * rowElements * 2);
        accOffset = (int)offset;
        offset = AlignUp(offset + (long)geometry.OutWidth * PaddedChannels * 4);
        tapOffset = (int)offset;
        offset = AlignUp(offset + (long)geometry.KernelH * geometry.KernelW * 4);
        if (offset > int.MaxValue)
        {
            throw new ArgumentException($"geometry: scratch of {offset} bytes is too large.", nameof(geometry));
        }
        ScratchBytes = (int)offset;
    }

    public ConvGeometry Geometry { get; }

    public ActivationFormat InputFormat { get; }

    public ActivationFormat OutputFormat { get; }

    /// <summary>The packed weights (layout in <see cref="DepthwiseWeights"/>), for a model blob.</summary>
    public ReadOnlyMemory<byte> PackedWeights { get; }

    /// <summary>Output stage parameters, bias already including the zero-point correction.</summary>
    public RequantParams Requant { get; }

    /// <summary>Channels rounded up to the 16-channel block.</summary>
    public int PaddedChannels { get; }

    /// <summary>The variant <see cref="KernelTable"/> selected when the op was prepared (used by the default Run).</summary>
    public DepthwiseVariant Variant { get; }

    /// <summary>Scratch bytes <see cref="Run(ReadOnlySpan{byte}, Span{byte}, Span{byte}, int, int)"/> needs.</summary>
    public int ScratchBytes { get; }

    /// <summary>Input bytes of the whole image.</summary>
    public int InputBytes => Geometry.InHeight * Geometry.InWidth * inputPixelBytes;

    /// <summary>Output bytes of the whole image.</summary>
    public int OutputBytes => Geometry.OutHeight * Geometry.OutWidth * outputPixelBytes;

    /// <summary>
    /// Validates and prepares the op from source weights [C][KernelH][KernelW] in
    /// <paramref name="weightFormat"/> (int8 bytes for i8, else <see cref="BitPacking"/> codes).
    /// </summary>
    /// <exception cref="ArgumentException">Names the first invalid argument or field.</exception>
    public static DepthwiseConvolution Prepare(ConvGeometry geometry, ActivationFormat inputFormat,
        ReadOnlySpan<byte> weights, LowBitFormat weightFormat, ReadOnlySpan<int> bias,
        ReadOnlySpan<ChannelRequant> requant, OutputRange outputRange, ActivationFormat outputFormat)
    {
        ValidateGeometry(geometry);
        var packed = new byte[DepthwiseWeights.PackedBytes(geometry)];
        DepthwiseWeights.Pack(geometry, weights, weightFormat, packed);
        return Create(geometry, inputFormat, packed, bias, requant, outputRange, outputFormat);
    }

    /// <summary>
    /// Prepares the op around weights already in the packed layout (e.g. from a model blob written
    /// from <see cref="PackedWeights"/>), validated but not copied.
    /// </summary>
    public static DepthwiseConvolution FromPackedWeights(ConvGeometry geometry, ActivationFormat inputFormat,
        ReadOnlyMemory<byte> packedWeights, ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> requant,
        OutputRange outputRange, ActivationFormat outputFormat)
    {
        ValidateGeometry(geometry);
        DepthwiseWeights.Validate(geometry, packedWeights.Span);
        return Create(geometry, inputFormat, packedWeights, bias, requant, outputRange, outputFormat);
    }

    /// <summary>Computes output rows [outputRowStart, outputRowEnd) with <see cref="Variant"/>.</summary>
    public void Run(ReadOnlySpan<byte> input, Span<byte> output, Span<byte> scratch, int outputRowStart, int outputRowEnd)
        => Run(Variant, input, output, scratch, outputRowStart, outputRowEnd);

    /// <summary>
    /// Computes output rows [outputRowStart, outputRowEnd) with a given variant (tests, benchmarks);
    /// the output stage runs on the same ISA path (or scalar if it has none).
    /// </summary>
    public void Run(DepthwiseVariant variant, ReadOnlySpan<byte> input, Span<byte> output, Span<byte> scratch,
        int outputRowStart, int outputRowEnd)
    {
        var g = Geometry;
        if (!KernelIsaSupport.IsSupported(variant.Isa))
        {
            throw new NotSupportedException($"Depthwise variant {variant.Name} needs {KernelIsaSupport.Name(variant.Isa)}, which this CPU lacks.");
        }
        CheckRun(input.Length, output.Length, scratch.Length, outputRowStart, outputRowEnd);
        RequantizeStore.Fn store = StoreFor(variant.Isa);
        int c = g.InChannels, cp = PaddedChannels, kh = g.KernelH, kw = g.KernelW;
        int inRowBytes = g.InWidth * inputPixelBytes, outRowBytes = g.OutWidth * outputPixelBytes;
        Span<short> ring = MemoryMarshal.Cast<byte, short>(scratch.Slice(ringOffset, kh * rowElements * 2));
        Span<int> acc = MemoryMarshal.Cast<byte, int>(scratch.Slice(accOffset, g.OutWidth * cp * 4));
        Span<int> taps = MemoryMarshal.Cast<byte, int>(scratch.Slice(tapOffset, kh * kw * 4));
        ReadOnlySpan<short> weights = MemoryMarshal.Cast<byte, short>(PackedWeights.Span);
        DepthwiseSource mode = InputFormat.Storage switch
        {
            ActivationStorage.Int8 => DepthwiseSource.Int8,
            ActivationStorage.Int16 => DepthwiseSource.Int16,
            ActivationStorage.PackedUnsigned => InputFormat.LowBit.ContainerBits == 2 ? DepthwiseSource.Packed2 : DepthwiseSource.Packed4,
            _ => DepthwiseSource.UInt8,
        };
        short zp = (short)InputFormat.ZeroPoint;
        int leftElements = g.PadLeft * cp, inElements = g.InWidth * cp;
        int widened = int.MinValue; // last padded input row held by the ring
        for (int oy = outputRowStart; oy < outputRowEnd; oy++)
        {
            int first = oy * g.StrideH;
            for (int r = widened >= first ? widened + 1 : first; r < first + kh; r++)
            {
                Span<short> row = ring.Slice(r % kh * rowElements, rowElements);
                int iy = r - g.PadTop;
                if ((uint)iy >= (uint)g.InHeight)
                {
                    row.Fill(zp);
                    continue;
                }
                row[..leftElements].Fill(zp);
                row[(leftElements + inElements)..].Fill(zp);
                variant.Widen(input.Slice(iy * inRowBytes, inRowBytes), g.InWidth, c, inputPixelBytes, cp, mode,
                    row.Slice(leftElements, inElements));
            }
            widened = first + kh - 1;
            for (int ky = 0; ky < kh; ky++)
            {
                int rowBase = (first + ky) % kh * rowElements;
                for (int kx = 0; kx < kw; kx++)
                {
                    taps[ky * kw + kx] = rowBase + kx * cp;
                }
            }
            variant.Accumulate(ring, taps, weights, cp, g.OutWidth, g.StrideW * cp, acc);
            store(acc, cp, g.OutWidth, c, 0, Requant, OutputFormat, output.Slice(oy * outRowBytes, outRowBytes), outputPixelBytes);
        }
    }

    // The output stage on the variant's ISA path, or the closest one it implies (AvxVnni -> Avx2,
    // AdvSimdDp -> AdvSimd), else scalar. All are bit-exact; this only keeps a variant on its own path.
    private static RequantizeStore.Fn StoreFor(KernelIsa isa)
    {
        KernelIsa fallback = isa switch
        {
            KernelIsa.AvxVnni => KernelIsa.Avx2,
            KernelIsa.AdvSimdDp => KernelIsa.AdvSimd,
            _ => isa,
        };
        var variants = RequantizeStore.Variants;
        RequantizeStore.Fn? scalar = null, implied = null;
        for (int i = 0; i < variants.Count; i++)
        {
            var v = variants[i];
            if (!KernelIsaSupport.IsSupported(v.Isa))
            {
                continue;
            }
            if (v.Isa == isa)
            {
                return v.Run;
            }
            if (v.Isa == fallback)
            {
                implied = v.Run;
            }
            if (v.Isa == KernelIsa.Scalar)
            {
                scalar = v.Run;
            }
        }
        return implied ?? scalar ?? throw new InvalidOperationException("The output stage has no scalar variant.");
    }

    private void CheckRun(int inputLength, int outputLength, int scratchLength, int start, int end)
    {
        if (inputLength < InputBytes)
        {
            throw new ArgumentException($"input: {inputLength} bytes, the image needs {InputBytes}.", "input");
        }
        if (outputLength < OutputBytes)
        {
            throw new ArgumentException($"output: {outputLength} bytes, the image needs {OutputBytes}.", "output");
        }
        if (scratchLength < ScratchBytes)
        {
            throw new ArgumentException($"scratch: {scratchLength} bytes, ScratchBytes is {ScratchBytes}.", "scratch");
        }
        if (start < 0 || end < start || end > Geometry.OutHeight)
        {
            throw new ArgumentOutOfRangeException(nameof(start),
                $"Output rows [{start}, {end}) are not inside [0, {Geometry.OutHeight}).");
        }
    }

    private static long AlignUp(long v) => (v + Align - 1) / Align * Align;

    private static void ValidateGeometry(ConvGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        geometry.Validate("depthwise geometry");
        if (geometry.Groups != geometry.InChannels || geometry.OutChannels != geometry.InChannels)
        {
            throw new ArgumentException(
                $"depthwise geometry: groups = {geometry.Groups} with channels {geometry.InChannels}->{geometry.OutChannels} is invalid " +
                "(depthwise needs Groups == InChannels == OutChannels, channel multiplier 1).", nameof(geometry));
        }
    }

    private static DepthwiseConvolution Create(ConvGeometry geometry, ActivationFormat inputFormat, ReadOnlyMemory<byte> packed,
        ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> requant, OutputRange outputRange, ActivationFormat outputFormat)
    {
        int c = geometry.InChannels, cp = DepthwiseWeights.PaddedChannels(c), taps = geometry.KernelH * geometry.KernelW;
        try
        {
            inputFormat.Validate("inputFormat");
            outputFormat.Validate("outputFormat");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, e.Message.StartsWith("input", StringComparison.Ordinal) ? nameof(inputFormat) : nameof(outputFormat), e);
        }
        if (bias.Length != c)
        {
            throw new ArgumentException($"bias: {bias.Length} values given, {c} channels need {c}.", nameof(bias));
        }
        if (requant.Length != c)
        {
            throw new ArgumentException($"requant: {requant.Length} multipliers given, {c} channels need {c}.", nameof(requant));
        }
        for (int i = 0; i < c; i++)
        {
            if (!Requantization.IsValid(requant[i].Multiplier, requant[i].Shift))
            {
                throw new ArgumentException(
                    $"requant[{i}] = (multiplier {requant[i].Multiplier}, shift {requant[i].Shift}) is invalid " +
                    $"(multiplier >= 0, shift in [{Requantization.MinShift}, {Requantization.MaxShift}]).", nameof(requant));
            }
        }
        if (outputRange.Min > outputRange.Max || outputRange.Min < outputFormat.Min || outputRange.Max > outputFormat.Max)
        {
            throw new ArgumentException(
                $"outputRange [{outputRange.Min}, {outputRange.Max}] is invalid (must be ordered and inside {outputFormat}'s [{outputFormat.Min}, {outputFormat.Max}]).", nameof(outputRange));
        }
        if (outputRange.ZeroPoint != outputFormat.ZeroPoint)
        {
            throw new ArgumentException(
                $"outputRange zero point {outputRange.ZeroPoint} differs from outputFormat {outputFormat}'s {outputFormat.ZeroPoint}.", nameof(outputRange));
        }

        // Values the input storage can hold (not just the format's b bits: the data is not checked at run time).
        (long xMin, long xMax) = inputFormat.Storage switch
        {
            ActivationStorage.Int8 => (-128L, 127L),
            ActivationStorage.Int16 => (short.MinValue, (long)short.MaxValue),
            ActivationStorage.PackedUnsigned => (0L, (1L << inputFormat.LowBit.ContainerBits) - 1),
            _ => (0L, 255L),
        };
        int zp = inputFormat.ZeroPoint;
        ReadOnlySpan<byte> w = packed.Span;
        var correction = new long[c];
        for (int ch = 0; ch < c; ch++)
        {
            long sum = 0, lo = 0, hi = 0;
            for (int t = 0; t < taps; t++)
            {
                long v = DepthwiseWeights.Read(w, t, ch, cp);
                sum += v;
                lo += v >= 0 ? v * xMin : v * xMax;
                hi += v >= 0 ? v * xMax : v * xMin;
            }
            long folded = bias[ch] - zp * sum;
            if (lo < int.MinValue || hi > int.MaxValue || -zp * sum < int.MinValue || -zp * sum > int.MaxValue || folded < int.MinValue || folded > int.MaxValue || lo + folded < int.MinValue || hi + folded > int.MaxValue)
            {
                throw new ArgumentException(
                    $"bias[{ch}] = {bias[ch]}: with the zero-point correction ({-zp * sum}) and accumulator range [{lo}, {hi}] " +
                    "the sum can leave int32.", nameof(bias));
            }
            correction[ch] = -zp * sum;
        }
        var p = new RequantParams(bias, requant, outputRange).WithBiasAdded(correction);
        return new DepthwiseConvolution(geometry, inputFormat, packed, p, outputFormat);
    }
}
