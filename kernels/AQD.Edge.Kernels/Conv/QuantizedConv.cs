// Quantized 2-D convolution over NHWC (not depthwise): a GEMM per group over output pixels.
//
// Data layout: input NHWC, one image, in uint8 (unsigned b-bit or uint8 with zero point), int8 with
// zero point, or packed unsigned 2/3/4-bit; output NHWC in any ActivationFormat (uint8 / int8 /
// int16 / packed unsigned), written by the shared output stage RequantizeStore.
// Weights: PackedConvWeights (layout in its header), int8 or low-bit.
// GEMM rows are output pixels, K = KernelH*KernelW*InChannels/Groups (NHWC patch order), N = output
// channels of the group. A 1x1 stride-1 unpadded convolution over uint8 storage with K a multiple of
// the weight K block reads the input rows in place; every other case builds A for a tile of output
// pixels in caller scratch (im2col): padded positions hold the input zero point, K padding holds 0,
// int8 inputs are stored as a XOR 0x80 (= a + 128, so the kernels only see unsigned bytes and the
// zero point becomes zp + 128), packed inputs are unpacked to one value per byte.
// Low-bit weight tiles are expanded to int8 c4 once per (pixel tile, channel tile) into scratch for
// the SIMD kernels (WeightTileDecoder); the scalar twin reads the packed tile itself.
// Accumulator: acc = sum_k a'[k] * w[k] (a' the unsigned byte), then RequantizeStore adds the
// folded bias (bias - zp' * sum over real K of w) and applies THE requantization rule. Preparation
// proves K * max|a - zp| * max|w| + |bias| fits int32 per channel; with that, int32 wrap-around
// arithmetic makes every summation order exact. Rounding: only in RequantizeStore (Requantization).
using System.Runtime.CompilerServices;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Gemm;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Requantize;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Conv;

/// <summary>A prepared convolution: validated once, then <see cref="Run(ReadOnlySpan{byte}, Span{byte}, Span{byte}, int, int)"/> with caller scratch, no allocation.</summary>
public sealed unsafe class QuantizedConv
{
    private const int TileBudgetBytes = 128 * 1024;

    private readonly PackedConvWeights weights;
    private readonly RequantParams requant;
    private readonly GemmParams gemm;
    private readonly RequantizeStore.Fn store;
    private readonly bool directGeometry;
    private readonly bool direct;
    private readonly int tileRows;
    private readonly int accStride;
    private readonly byte zeroByte;
    private readonly uint[] unpackTable;

    private QuantizedConv(QuantizedConv other, GemmVariant variant)
    {
        Geometry = other.Geometry;
        InputFormat = other.InputFormat;
        OutputFormat = other.OutputFormat;
        weights = other.weights;
        requant = other.requant;
        gemm = other.gemm;
        store = other.store;
        directGeometry = other.directGeometry;
        direct = DirectFor(directGeometry, variant, gemm);
        accStride = other.accStride;
        zeroByte = other.zeroByte;
        unpackTable = other.unpackTable;
        Variant = variant;
        tileRows = TileRowsFor(direct, weights.KPadded, accStride);
        ScratchBytes = ScratchFor(direct, tileRows, accStride, weights.KPadded, gemm.LowBit);
    }

    private QuantizedConv(ConvGeometry geometry, ActivationFormat input, ActivationFormat output, PackedConvWeights weights,
        RequantParams requant, GemmParams gemm, bool direct, byte zeroByte, GemmVariant variant)
    {
        Geometry = geometry;
        InputFormat = input;
        OutputFormat = output;
        this.weights = weights;
        this.requant = requant;
        this.gemm = gemm;
        directGeometry = direct;
        this.direct = DirectFor(direct, variant, gemm);
        this.zeroByte = zeroByte;
        unpackTable = UnpackTable(input);
        store = RequantizeStore.Selected.Run;
        accStride = weights.TilesPerGroup * 8;
        Variant = variant;
        tileRows = TileRowsFor(this.direct, weights.KPadded, accStride);
        ScratchBytes = ScratchFor(this.direct, tileRows, accStride, weights.KPadded, gemm.LowBit);
    }

    public ConvGeometry Geometry { get; }
    public ActivationFormat InputFormat { get; }
    public ActivationFormat OutputFormat { get; }
    public GemmVariant Variant { get; }
    public PackedConvWeights Weights => weights;

    /// <summary>Bytes of scratch <see cref="Run(ReadOnlySpan{byte}, Span{byte}, Span{byte}, int, int)"/> needs (per concurrent call).</summary>
    public int ScratchBytes { get; }

    /// <summary>Multiply-accumulates of one full run (for GMAC/s reporting).</summary>
    public long Macs => Geometry.Macs;

    /// <summary>Bytes of the NHWC input image.</summary>
    public int InputBytes => Geometry.InHeight * Geometry.InWidth * InputFormat.PixelBytes(Geometry.InChannels);

    /// <summary>Bytes of the NHWC output image.</summary>
    public int OutputBytes => Geometry.OutHeight * Geometry.OutWidth * OutputFormat.PixelBytes(Geometry.OutChannels);

    /// <summary>
    /// Whether the input rows are read in place (1x1, stride 1, no padding, uint8 storage, K a multiple
    /// of the K block, and not a signed-byte kernel with inputs above 127: copying once with the
    /// sign flip is cheaper than flipping in registers for every channel tile).
    /// </summary>
    public bool ReadsInputInPlace => direct;

    /// <summary>
    /// Validates everything and prepares the convolution. <paramref name="bias"/> and
    /// <paramref name="requant"/> have one entry per output channel; <paramref name="range"/> is the
    /// output clamp (inside <paramref name="output"/>'s range; e.g. a fused ReLU). Null
    /// <paramref name="variant"/> takes <see cref="GemmKernels.Selected"/>. A non-empty
    /// <paramref name="negative"/> (one entry per output channel) fuses a LeakyReLU: channels whose
    /// value acc + bias is negative use that multiplier instead (see <see cref="RequantParams"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Names the invalid field (geometry, format, bias[c] accumulator bound, ...).</exception>
    public static QuantizedConv Prepare(ConvGeometry geometry, ActivationFormat input, PackedConvWeights weights,
        ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> requant, ActivationFormat output, OutputRange range,
        GemmVariant? variant = null, ReadOnlySpan<ChannelRequant> negative = default)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(weights);
        geometry.Validate("conv");
        if (geometry != weights.Geometry)
        {
            throw new ArgumentException($"weights: packed for {weights.Geometry}, not {geometry}.", nameof(weights));
        }
        input.Validate("input");
        if (input.Storage == ActivationStorage.Int16)
        {
            throw new ArgumentException($"input: format {input} is not supported by the GEMM convolution (uint8, int8 or packed unsigned).", nameof(input));
        }
        output.Validate("output");
        if (range.Min > range.Max || range.Min < output.Min || range.Max > output.Max)
        {
            throw new ArgumentException($"range: [{range.Min}, {range.Max}] must be a non-empty range inside output {output} [{output.Min}, {output.Max}].", nameof(range));
        }
        if (range.ZeroPoint != output.ZeroPoint)
        {
            throw new ArgumentException($"range: zero point {range.ZeroPoint} differs from output {output} zero point {output.ZeroPoint}.", nameof(range));
        }
        if (bias.Length != geometry.OutChannels)
        {
            throw new ArgumentException($"bias: {bias.Length} entries for {geometry.OutChannels} output channels.", nameof(bias));
        }
        if (requant.Length != geometry.OutChannels)
        {
            throw new ArgumentException($"requant: {requant.Length} entries for {geometry.OutChannels} output channels.", nameof(requant));
        }
        for (int c = 0; c < requant.Length; c++)
        {
            if (!Requantization.IsValid(requant[c].Multiplier, requant[c].Shift))
            {
                throw new ArgumentException(
                    $"requant[{c}] = ({requant[c].Multiplier}, {requant[c].Shift}) is not a valid fixed-point multiplier (M0 >= 0, shift in [1, 62]).", nameof(requant));
            }
        }

        // The unsigned byte the kernels see (a') and its zero point.
        int maxA = input.Storage == ActivationStorage.Int8 ? 255 : (1 << input.Bits) - 1;
        int zp = input.Storage == ActivationStorage.Int8 ? input.ZeroPoint + 128 : input.ZeroPoint;
        byte zeroByte = input.Storage == ActivationStorage.Int8 ? (byte)(sbyte)input.ZeroPoint : (byte)input.ZeroPoint;
        var wf = weights.Format;
        long maxW = wf.Bits == 8 ? 127 : Math.Max(-wf.MinValue, wf.MaxValue);
        long maxDev = Math.Max(zp, maxA - zp);
        long k = geometry.ReductionSize;
        var folded = new int[geometry.OutChannels];
        int ng = geometry.OutChannelsPerGroup, tpg = weights.TilesPerGroup;
        for (int c = 0; c < folded.Length; c++)
        {
            long bound = k * maxDev * maxW + Math.Abs((long)bias[c]);
            if (bound > int.MaxValue)
            {
                throw new ArgumentException(
                    $"bias[{c}] = {bias[c]}: accumulator bound K*max|a-zp|*max|w| + |bias| = {k}*{maxDev}*{maxW} + {Math.Abs((long)bias[c])} = {bound} does not fit int32.",
                    nameof(bias));
            }
            int g = c / ng, n = c % ng;
            folded[c] = (int)(bias[c] - (long)zp * weights.SumReal[(g * tpg + n / 8) * 8 + n % 8]);
        }
        var rp = negative.IsEmpty
            ? new RequantParams(folded, requant, range)
            : new RequantParams(folded, requant, negative, range);
        var gp = new GemmParams(wf, weights.KPadded, maxA);
        bool direct = geometry.KernelH == 1 && geometry.KernelW == 1 && geometry.StrideH == 1 && geometry.StrideW == 1
            && geometry.PadTop == 0 && geometry.PadLeft == 0 && geometry.PadBottom == 0 && geometry.PadRight == 0
            && input.Storage == ActivationStorage.UInt8 && geometry.InChannelsPerGroup == weights.KPadded;
        variant ??= GemmKernels.Selected;
        CheckSupported(variant);
        return new QuantizedConv(geometry, input, output, weights, rp, gp, direct, zeroByte, variant);
    }

    /// <summary>The same prepared convolution run by a specific variant (tests, benchmarks).</summary>
    public QuantizedConv WithVariant(GemmVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        CheckSupported(variant);
        return new QuantizedConv(this, variant);
    }

    /// <summary>Runs the whole output image.</summary>
    public void Run(ReadOnlySpan<byte> input, Span<byte> output, Span<byte> scratch)
        => Run(input, output, scratch, 0, Geometry.OutHeight);

    /// <summary>
    /// Computes output image rows [<paramref name="outputRowStart"/>, <paramref name="outputRowEnd"/>)
    /// (disjoint row ranges may run concurrently, each with its own scratch).
    /// </summary>
    public void Run(ReadOnlySpan<byte> input, Span<byte> output, Span<byte> scratch, int outputRowStart, int outputRowEnd)
    {
        if (input.Length < InputBytes || output.Length < OutputBytes || scratch.Length < ScratchBytes
            || (uint)outputRowStart > (uint)outputRowEnd || outputRowEnd > Geometry.OutHeight)
        {
            ThrowBadRun(input.Length, output.Length, scratch.Length, outputRowStart, outputRowEnd);
        }
        var g = Geometry;
        int ow = g.OutWidth, ng = g.OutChannelsPerGroup, tpg = weights.TilesPerGroup, tileBytes = weights.TileBytes;
        int outPixelBytes = OutputFormat.PixelBytes(g.OutChannels);
        int inPixelBytes = InputFormat.PixelBytes(g.InChannels);
        int mr = Variant.Kernel.MR;
        var kernel = Variant.Kernel;
        fixed (byte* inP = input)
        fixed (byte* outP = output)
        fixed (byte* scrP = scratch)
        fixed (byte* wP = weights.Bytes.Span)
        fixed (int* initP = weights.Init128)
        {
            int* acc = (int*)(((nint)scrP + 63) & ~(nint)63);
            byte* aBuf = (byte*)(acc + tileRows * accStride);
            byte* panel = aBuf + (direct ? 0 : tileRows * weights.KPadded);
            bool decode = gemm.LowBit && !kernel.ReadsLowBit;
            bool preFlip = !direct && kernel.SignedA && gemm.XorA;
            var gp = preFlip ? gemm with { PreFlipped = true } : gemm;
            int pEnd = outputRowEnd * ow;
            for (int p0 = outputRowStart * ow; p0 < pEnd; p0 += tileRows)
            {
                int m = Math.Min(tileRows, pEnd - p0);
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    byte* a;
                    nint aStride;
                    if (direct)
                    {
                        a = inP + (nint)p0 * inPixelBytes + grp * g.InChannelsPerGroup;
                        aStride = inPixelBytes;
                    }
                    else
                    {
                        Im2Col(inP, p0, m, grp, aBuf, preFlip);
                        a = aBuf;
                        aStride = weights.KPadded;
                    }
                    for (int t = 0; t < tpg; t++)
                    {
                        byte* w = wP + (nint)(grp * tpg + t) * tileBytes;
                        if (decode)
                        {
                            WeightTileDecoder.Decode(gemm, w, panel);
                            w = panel;
                        }
                        int* init = initP + (grp * tpg + t) * 8;
                        for (int r = 0; r < m; r += mr)
                        {
                            kernel.Run(gp, Math.Min(mr, m - r), a + r * aStride, aStride, w, acc + r * accStride + t * 8, accStride, init);
                        }
                    }
                    store(new ReadOnlySpan<int>(acc, m * accStride), accStride, m, ng, grp * ng, requant, OutputFormat,
                        new Span<byte>(outP + (nint)p0 * outPixelBytes, m * outPixelBytes), outPixelBytes);
                }
            }
        }
    }

    // Builds rows [0, m) of A (output pixels p0..p0+m-1, group grp) at aBuf with stride KPadded:
    // unsigned bytes a', or a' XOR 0x80 when signedA (for SDOT/SMULL kernels; K padding then 0x80).
    private void Im2Col(byte* input, int p0, int m, int grp, byte* aBuf, bool signedA)
    {
        bool flip = (InputFormat.Storage == ActivationStorage.Int8) != signedA;
        byte kPadByte = signedA ? (byte)0x80 : (byte)0;
        var g = Geometry;
        int cin = g.InChannelsPerGroup, k = g.ReductionSize, kPad = weights.KPadded;
        int inPixelBytes = InputFormat.PixelBytes(g.InChannels);
        bool packed = InputFormat.Storage == ActivationStorage.PackedUnsigned;
        int cb = packed ? InputFormat.LowBit.ContainerBits : 8, per = 8 / cb, mask = (1 << InputFormat.Bits) - 1;
        int c0 = grp * cin;
        bool contiguousRun = !packed && g.Groups == 1;
        for (int i = 0; i < m; i++)
        {
            int p = p0 + i;
            int oy = p / g.OutWidth, ox = p - oy * g.OutWidth;
            byte* row = aBuf + (nint)i * kPad;
            byte* dst = row;
            int ix0 = ox * g.StrideW - g.PadLeft;
            int kx0 = Math.Max(0, -ix0), kx1 = Math.Min(g.KernelW, g.InWidth - ix0);
            for (int ky = 0; ky < g.KernelH; ky++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky;
                if ((uint)iy >= (uint)g.InHeight || kx0 >= kx1)
                {
                    Unsafe.InitBlockUnaligned(dst, zeroByte, (uint)(g.KernelW * cin));
                    dst += g.KernelW * cin;
                    continue;
                }
                Unsafe.InitBlockUnaligned(dst, zeroByte, (uint)(kx0 * cin));
                dst += kx0 * cin;
                byte* src = input + ((nint)iy * g.InWidth + ix0 + kx0) * inPixelBytes;
                if (contiguousRun)
                {
                    uint bytes = (uint)((kx1 - kx0) * cin);
                    Unsafe.CopyBlockUnaligned(dst, src, bytes);
                    dst += bytes;
                }
                else
                {
                    for (int kx = kx0; kx < kx1; kx++, src += inPixelBytes, dst += cin)
                    {
                        if (packed)
                        {
                            UnpackChannels(src, c0, cin, dst, cb, per, mask);
                        }
                        else
                        {
                            Unsafe.CopyBlockUnaligned(dst, src + c0, (uint)cin);
                        }
                    }
                }
                Unsafe.InitBlockUnaligned(dst, zeroByte, (uint)((g.KernelW - kx1) * cin));
                dst += (g.KernelW - kx1) * cin;
            }
            if (flip)
            {
                FlipSignBits(row, k);
            }
            Unsafe.InitBlockUnaligned(row + k, kPadByte, (uint)(kPad - k));
        }
    }

    // Unpacks channels [c0, c0 + n) of one packed pixel to one value per byte: whole bytes through a
    // 256-entry table (4 or 2 values per byte as one 32/16-bit store), the rest one by one.
    private void UnpackChannels(byte* src, int c0, int n, byte* dst, int cb, int per, int mask)
    {
        int c = 0;
        if (c0 % per == 0)
        {
            byte* s = src + c0 / per;
            int whole = n / per;
            fixed (uint* table = unpackTable)
            {
                if (per == 4)
                {
                    for (int i = 0; i < whole; i++)
                    {
                        Unsafe.WriteUnaligned(dst + 4 * i, table[s[i]]);
                    }
                }
                else
                {
                    for (int i = 0; i < whole; i++)
                    {
                        Unsafe.WriteUnaligned(dst + 2 * i, (ushort)table[s[i]]);
                    }
                }
            }
            c = whole * per;
        }
        for (; c < n; c++)
        {
            int ch = c0 + c;
            dst[c] = (byte)((src[ch / per] >> (ch % per * cb)) & mask);
        }
    }

    // For each byte value: its per-byte codes (masked to the value bits) as consecutive bytes, little-endian.
    private static uint[] UnpackTable(ActivationFormat input)
    {
        var table = new uint[256];
        if (input.Storage != ActivationStorage.PackedUnsigned)
        {
            return table;
        }
        int cb = input.LowBit.ContainerBits, per = 8 / cb, mask = (1 << input.Bits) - 1;
        for (int b = 0; b < 256; b++)
        {
            uint v = 0;
            for (int i = 0; i < per; i++)
            {
                v |= (uint)((b >> (i * cb)) & mask) << (8 * i);
            }
            table[b] = v;
        }
        return table;
    }

    private static void FlipSignBits(byte* p, int n)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            *(ulong*)(p + i) ^= 0x8080_8080_8080_8080UL;
        }
        for (; i < n; i++)
        {
            p[i] ^= 0x80;
        }
    }

    private static bool DirectFor(bool directGeometry, GemmVariant variant, GemmParams gemm)
        => directGeometry && !(variant.Kernel.SignedA && gemm.XorA);

    private static int TileRowsFor(bool direct, int kPadded, int accStride)
    {
        int budget = direct ? TileBudgetBytes / 4 / accStride : TileBudgetBytes / kPadded;
        return Math.Clamp(budget / 8 * 8, 8, 64);
    }

    private static int ScratchFor(bool direct, int tileRows, int accStride, int kPadded, bool lowBit)
        => 64 + tileRows * accStride * 4 + (direct ? 0 : tileRows * kPadded) + (lowBit ? kPadded * 8 : 0);

    private static void CheckSupported(GemmVariant variant)
    {
        if (!Dispatch.KernelIsaSupport.IsSupported(variant.Isa))
        {
            throw new NotSupportedException($"Variant {variant.Name} needs {variant.Isa}, which this CPU does not support.");
        }
    }

    private void ThrowBadRun(int input, int output, int scratch, int start, int end)
        => throw new ArgumentException(
            $"{Geometry}: Run needs input >= {InputBytes} bytes (got {input}), output >= {OutputBytes} (got {output}), " +
            $"scratch >= {ScratchBytes} (got {scratch}) and 0 <= rows [{start}, {end}) <= {Geometry.OutHeight}.");
}
