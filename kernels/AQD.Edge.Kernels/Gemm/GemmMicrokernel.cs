// Shared contract of the Qu8Qs8Gemm 4x8c4 microkernels (scalar twin and every ISA variant).
//
// Data layout
//   A: `rows` (1..MR) rows of unsigned bytes a[r * aStride + k], k in [0, Kpad). Kpad = SuperBlocks *
//      KBlock (see below). Padded K entries of A are 0 (im2col writes them) or absent (the direct 1x1
//      path only runs when K is a multiple of KBlock). Rows past `rows` are never read or written.
//   W: one tile of NR = 8 output channels of a PackedConvWeights panel (layout documented there):
//      per super-block 32 bytes; int8: one k-group of 4, bytes [n0 k0..3][n1 k0..3]...[n7 k0..3];
//      low-bit: B = 8 / ContainerBits consecutive k-groups interleaved bitwise (byte j holds the code
//      of k-group i at bits [i*cb, i*cb + cb)). Only the scalar twin reads low-bit tiles directly
//      (ReadsLowBit); for the SIMD kernels the driver first expands a low-bit tile once per pixel
//      tile into an int8 c4 tile (WeightTileDecoder: mask/shift, then signed (q ^ m) - m or
//      odd-level 2q - L, on 16 bytes at a time), which then stays in L1 for all row blocks, so
//      every SIMD kernel has a single int8 inner loop over KGroups = Kpad / 4 k-groups.
//   C: rows x 8 int32 at c[r * cStride + j] = sum_k a[r][k] * w[j][k] exactly (as int32; see bounds).
//   Init: 8 int32 per tile = 128 * sum over padded K of w[j][k]; kernels that compute on (a XOR 0x80)
//      as signed bytes (SDOT, SMULL) add it when GemmParams.XorA is set. Such kernels (SignedA) get
//      A already flipped from im2col (GemmParams.PreFlipped; K padding then holds 0x80, i.e. a = 0)
//      and flip in registers only on the in-place 1x1 path.
// Accumulator bounds: preparation guarantees Kpad * maxA * maxW fits int32; int32 adds wrap, so any
//   summation order (and the Init offset) gives the exact result. Products are exact in every
//   variant (vpmaddubsw only when 2 * maxA * maxW <= 32767, GemmParams.NarrowProductsExact).
// Rounding: none here; the accumulators go to RequantizeStore.
using System.Runtime.CompilerServices;
using AQD.Edge.Kernels.LowBit;

namespace AQD.Edge.Kernels.Gemm;

/// <summary>Per-operator constants of a GEMM microkernel call, fixed at preparation.</summary>
internal readonly record struct GemmParams
{
    public GemmParams(LowBitFormat weightFormat, int kPadded, int maxA)
    {
        WeightFormat = weightFormat;
        LowBit = weightFormat.Bits != 8;
        ContainerBits = LowBit ? weightFormat.ContainerBits : 8;
        BlocksPerSuper = LowBit ? 8 / ContainerBits : 1;
        KBlock = 4 * BlocksPerSuper;
        KPadded = kPadded;
        SuperBlocks = kPadded / KBlock;
        CodeMask = (byte)((1 << weightFormat.Bits) - 1);
        bool odd = weightFormat.Encoding == LowBitEncoding.OddLevel;
        DecodeXor = odd ? (byte)0 : (byte)(1 << (weightFormat.Bits - 1));
        DecodeDouble = odd ? (byte)0xFF : (byte)0;
        DecodeSub = odd ? (byte)((1 << weightFormat.Bits) - 1) : DecodeXor;
        MaxA = maxA;
        XorA = maxA > 127;
        int maxW = Math.Max(-weightFormat.MinValue, weightFormat.MaxValue);
        NarrowProductsExact = 2 * maxA * maxW <= short.MaxValue;
        NarrowChunk = maxA == 0 || maxW == 0 ? 1 << 20 : short.MaxValue / (2 * maxA * maxW);
    }

    public LowBitFormat WeightFormat { get; }
    public bool LowBit { get; }
    public int ContainerBits { get; }
    public int BlocksPerSuper { get; }
    public int KBlock { get; }
    public int KPadded { get; }
    public int SuperBlocks { get; }
    /// <summary>k-groups of 4 in Kpad (the loop count of the int8 kernels).</summary>
    public int KGroups => KPadded / 4;
    public byte CodeMask { get; }
    /// <summary>Low-bit decode on bytes: value = (x + (x AND DecodeDouble)) - DecodeSub with x = code XOR DecodeXor.</summary>
    public byte DecodeXor { get; }
    public byte DecodeDouble { get; }
    public byte DecodeSub { get; }
    public int MaxA { get; }
    /// <summary>A may exceed 127: signed-byte kernels (SDOT, SMULL) work on a XOR 0x80 and add Init.</summary>
    public bool XorA { get; }
    /// <summary>
    /// The A bytes already hold a XOR 0x80 (im2col wrote them so for a signed-byte kernel); only
    /// meaningful with <see cref="XorA"/>: the kernel then adds Init but does not flip.
    /// </summary>
    public bool PreFlipped { get; init; }
    /// <summary>Signed-byte kernels flip A in registers.</summary>
    public bool FlipInKernel => XorA && !PreFlipped;
    /// <summary>2 * maxA * maxW fits int16: vpmaddubsw cannot saturate.</summary>
    public bool NarrowProductsExact { get; }
    /// <summary>How many k-groups of vpmaddubsw pair sums (each |.| &lt;= 2 * maxA * maxW) an int16 lane can add exactly.</summary>
    public int NarrowChunk { get; }

    public static int KBlockOf(LowBitFormat weightFormat) => weightFormat.Bits == 8 ? 4 : 32 / weightFormat.ContainerBits;

    /// <summary>Scalar decode of one low-bit code with the byte formula the SIMD paths use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeByte(int code)
    {
        int x = code ^ DecodeXor;
        return (sbyte)(byte)(x + (x & DecodeDouble) - DecodeSub);
    }
}

/// <summary>One GEMM microkernel: rows (&lt;= MR) x 8 channels over the whole K of a packed tile.</summary>
internal abstract unsafe class GemmMicrokernel
{
    public abstract int MR { get; }

    /// <summary>True when the kernel reads low-bit tiles itself; otherwise it gets int8 c4 tiles (decoded by the driver).</summary>
    public virtual bool ReadsLowBit => false;

    /// <summary>True when the kernel multiplies A as signed bytes (SDOT, SMULL): im2col then stores a XOR 0x80 if <see cref="GemmParams.XorA"/>.</summary>
    public virtual bool SignedA => false;

    public abstract void Run(in GemmParams p, int rows, byte* a, nint aStride, byte* w, int* c, nint cStride, int* init);
}

/// <summary>
/// Row pointers of an MR-row A tile. Rows at and past <c>rows</c> repeat the last real row, so a
/// kernel always runs its full MR-row body without reading past the tile (their results are
/// computed but never stored).
/// </summary>
internal static unsafe class GemmRows
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows4(byte* a, nint stride, int rows, out byte* a0, out byte* a1, out byte* a2, out byte* a3)
    {
        a0 = a;
        a1 = rows > 1 ? a0 + stride : a0;
        a2 = rows > 2 ? a1 + stride : a1;
        a3 = rows > 3 ? a2 + stride : a2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows8(byte* a, nint stride, int rows, out byte* a0, out byte* a1, out byte* a2, out byte* a3,
        out byte* a4, out byte* a5, out byte* a6, out byte* a7)
    {
        Rows4(a, stride, rows, out a0, out a1, out a2, out a3);
        Rows4(rows > 4 ? a3 + stride : a3, stride, rows > 4 ? rows - 4 : 1, out a4, out a5, out a6, out a7);
    }
}

/// <summary>Compile-time flag for generic specialization of kernel inner loops (the JIT folds Value).</summary>
internal interface IKernelFlag
{
    static abstract bool Value { get; }
}

internal readonly struct FlagOn : IKernelFlag
{
    public static bool Value => true;
}

internal readonly struct FlagOff : IKernelFlag
{
    public static bool Value => false;
}
