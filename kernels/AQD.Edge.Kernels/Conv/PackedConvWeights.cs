// Packed convolution weights: ONE layout for every ISA variant (a model blob packed on a workstation
// runs on any board, and the loader wraps the stored bytes without copying).
//
// Input: int8 values [OutChannels][KernelH][KernelW][InChannels / Groups] plus the LowBitFormat they
// are stored in: int8 (LowBitFormat.Int(8), values [-127, 127]; -128 is refused so that two
// products of signed bytes never overflow int16 on the SMULL/SMLAL path), signed 2/3/4-bit two's
// complement, or AQD odd-level 2/3/4-bit (value = 2 * code - (2^b - 1)).
//
// Layout (little-endian bytes, nothing else in the blob):
//   K = KernelH * KernelW * InChannels/Groups, k = (ky * KernelW + kx) * (InChannels/Groups) + ci
//   (the order of an NHWC im2col row); KBlock = 4 for int8, 4 * 8/containerBits for low-bit (16 for
//   2-bit, 8 for 3/4-bit); Kpad = K rounded up to KBlock; SuperBlocks = Kpad / KBlock.
//   for group g in [0, Groups):                      (each group is its own GEMM)
//     for tile t in [0, ceil(OutChannelsPerGroup / 8)):   (NR = 8 output channels, last tile padded)
//       for super-block s in [0, SuperBlocks):  32 bytes
//         int8:    byte 4*n + kk = w[channel 8t+n][k = 4s + kk]            ("c4": [n0 k0..3]...[n7 k0..3])
//         low-bit: byte 4*n + kk holds, for i in [0, 8/cb), the code of w[8t+n][k = 4*(s*8/cb + i) + kk]
//                  at bits [i*cb, i*cb + cb)  (cb = container bits: 2 for 2-bit, 4 for 3/4-bit)
//   Padding (K tail and channel tail) holds code 0 (value 0 for int8/signed, -(2^b-1) for odd-level):
//   A's padded K entries are 0 so it adds nothing, padded channels are never stored.
// Per-channel sums kept beside the bytes (recomputed when wrapping): SumReal[c] = sum over real K of
// w (for the zero-point correction -zpA * SumReal folded into the bias at preparation) and
// Init128[c] = 128 * sum over padded K (start value of kernels that run on a XOR 0x80 as int8).
using AQD.Edge.Kernels.Gemm;
using AQD.Edge.Kernels.LowBit;

namespace AQD.Edge.Kernels.Conv;

/// <summary>Convolution weights in the shared packed GEMM layout (see the file header).</summary>
public sealed class PackedConvWeights
{
    private readonly int[] sumReal;
    private readonly int[] init128;

    /// <summary>Packs int8 weight values [OutChannels][KernelH][KernelW][InChannels/Groups] in <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentException">Bad geometry or format, wrong length, or a value that is not a level of the format.</exception>
    public PackedConvWeights(ConvGeometry geometry, ReadOnlySpan<sbyte> weights, LowBitFormat format)
        : this(geometry, format)
    {
        long count = (long)geometry.OutChannels * geometry.ReductionSize;
        if (weights.Length != count)
        {
            throw new ArgumentException(
                $"weights: length {weights.Length} does not match OutChannels*KernelH*KernelW*InChannels/Groups = {count}.", nameof(weights));
        }
        int k = geometry.ReductionSize, ng = geometry.OutChannelsPerGroup;
        for (int i = 0; i < weights.Length; i++)
        {
            int v = weights[i];
            if (!format.IsLevel(v) || v == -128)
            {
                throw new ArgumentException(
                    $"weights[{i}] (out channel {i / k}, k {i % k}) = {v} is not a level of {format}" +
                    (format.Bits == 8 ? " (int8 weights are [-127, 127])." : $" ([{format.MinValue}, {format.MaxValue}]" +
                    (format.Encoding == LowBitEncoding.OddLevel ? ", odd values only)." : ").")), nameof(weights));
            }
        }
        var bytes = new byte[PackedSize(geometry, format)];
        int per = BlocksPerSuper, cb = format.Bits == 8 ? 8 : format.ContainerBits;
        int pos = 0;
        for (int g = 0; g < geometry.Groups; g++)
        {
            for (int t = 0; t < TilesPerGroup; t++)
            {
                for (int s = 0; s < SuperBlocks; s++, pos += 32)
                {
                    for (int j = 0; j < 32; j++)
                    {
                        int n = t * 8 + j / 4;
                        int b = 0;
                        for (int i = 0; i < per; i++)
                        {
                            int kk = 4 * (s * per + i) + j % 4;
                            int code = n < ng && kk < k ? format.Encode(weights[(g * ng + n) * k + kk]) : 0;
                            b |= (code & ((1 << cb) - 1)) << (i * cb);
                        }
                        bytes[pos + j] = (byte)b;
                    }
                }
            }
        }
        Bytes = bytes;
        ComputeSums();
    }

    /// <summary>Wraps bytes produced by <see cref="Bytes"/> (e.g. stored in a model blob) without copying them.</summary>
    /// <exception cref="ArgumentException">Bad geometry or format, wrong length, or an int8 byte of -128.</exception>
    public PackedConvWeights(ConvGeometry geometry, LowBitFormat format, ReadOnlyMemory<byte> packed)
        : this(geometry, format)
    {
        int need = PackedSize(geometry, format);
        if (packed.Length != need)
        {
            throw new ArgumentException($"packed: {packed.Length} bytes, but {geometry} in {format} packs to {need}.", nameof(packed));
        }
        if (format.Bits == 8)
        {
            int bad = packed.Span.IndexOf((byte)0x80);
            if (bad >= 0)
            {
                throw new ArgumentException($"packed: byte {bad} holds the int8 weight -128 (int8 weights are [-127, 127]).", nameof(packed));
            }
        }
        Bytes = packed;
        ComputeSums();
    }

    private PackedConvWeights(ConvGeometry geometry, LowBitFormat format)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        geometry.Validate("PackedConvWeights");
        ValidateFormat(format);
        Geometry = geometry;
        Format = format;
        BlocksPerSuper = format.Bits == 8 ? 1 : 8 / format.ContainerBits;
        KBlock = GemmParams.KBlockOf(format);
        KPadded = (geometry.ReductionSize + KBlock - 1) / KBlock * KBlock;
        SuperBlocks = KPadded / KBlock;
        TilesPerGroup = (geometry.OutChannelsPerGroup + 7) / 8;
        Groups = geometry.Groups;
        sumReal = new int[Groups * TilesPerGroup * 8];
        init128 = new int[sumReal.Length];
    }

    public ConvGeometry Geometry { get; }

    /// <summary>How the weight values are stored: Int(8), Int(2/3/4) or Odd(2/3/4).</summary>
    public LowBitFormat Format { get; }

    /// <summary>The packed bytes (the whole blob; see the file header for the layout).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>Reduction length padded to the K block.</summary>
    public int KPadded { get; }

    public int KBlock { get; }

    internal int BlocksPerSuper { get; }
    internal int SuperBlocks { get; }
    internal int TilesPerGroup { get; }
    internal int Groups { get; }
    internal int TileBytes => SuperBlocks * 32;

    /// <summary>Sum of weight values over the real K, per padded channel (group g tile t lane j at (g*TilesPerGroup + t)*8 + j).</summary>
    internal ReadOnlySpan<int> SumReal => sumReal;

    /// <summary>128 * sum of weight values over the padded K, same indexing as <see cref="SumReal"/>.</summary>
    internal ReadOnlySpan<int> Init128 => init128;

    /// <summary>Bytes the packed weights of <paramref name="geometry"/> take in <paramref name="format"/>.</summary>
    public static int PackedSize(ConvGeometry geometry, LowBitFormat format)
    {
        ValidateFormat(format);
        int kb = GemmParams.KBlockOf(format);
        long kPad = (geometry.ReductionSize + kb - 1) / kb * kb;
        long size = (long)geometry.Groups * ((geometry.OutChannelsPerGroup + 7) / 8) * (kPad / kb) * 32;
        if (size > int.MaxValue)
        {
            throw new ArgumentException($"{geometry}: packed weights of {size} bytes exceed 2 GiB.");
        }
        return (int)size;
    }

    /// <summary>The value of weight (group, channel within group, k) read back from the packed bytes.</summary>
    public int ValueAt(int group, int channel, int k)
    {
        int t = channel / 8, j = channel % 8, kg = k / 4, kk = k % 4;
        int offset = (group * TilesPerGroup + t) * TileBytes + kg / BlocksPerSuper * 32 + j * 4 + kk;
        byte raw = Bytes.Span[offset];
        if (Format.Bits == 8)
        {
            return (sbyte)raw;
        }
        int code = (raw >> (kg % BlocksPerSuper * Format.ContainerBits)) & ((1 << Format.Bits) - 1);
        return Format.Decode(code);
    }

    private void ComputeSums()
    {
        int kReal = Geometry.ReductionSize;
        for (int g = 0; g < Groups; g++)
        {
            for (int n = 0; n < TilesPerGroup * 8; n++)
            {
                int real = 0, padded = 0;
                for (int k = 0; k < KPadded; k++)
                {
                    int v = ValueAt(g, n, k);
                    padded += v;
                    if (k < kReal)
                    {
                        real += v;
                    }
                }
                sumReal[g * TilesPerGroup * 8 + n] = real;
                init128[g * TilesPerGroup * 8 + n] = 128 * padded;
            }
        }
    }

    private static void ValidateFormat(LowBitFormat format)
    {
        bool ok = format.Bits switch
        {
            8 => format.Encoding == LowBitEncoding.Signed,
            2 or 3 or 4 => format.Encoding is LowBitEncoding.Signed or LowBitEncoding.OddLevel,
            _ => false,
        };
        if (!ok)
        {
            throw new ArgumentException(
                $"weight format {format} is not supported (int8, signed 2/3/4-bit, or odd-level 2/3/4-bit).", nameof(format));
        }
    }
}
