// Expands one low-bit packed weight tile (PackedConvWeights layout: super-blocks of 32 bytes, the
// codes of 8/cb consecutive k-groups interleaved bitwise) into the int8 c4 tile layout (32 bytes
// per k-group, [n0 k0..3]...[n7 k0..3]) the SIMD GEMM kernels read. Portable Vector128 code (NEON
// on ARM64, SSE on x86): q = (raw >> i*cb) & mask; x = q ^ X; value = x + (x & D) - S, which is
// (q ^ m) - m for signed and 2q - L for odd-level codes (GemmParams). Exact: all values fit int8.
using System.Runtime.Intrinsics;

namespace AQD.Edge.Kernels.Gemm;

internal static unsafe class WeightTileDecoder
{
    /// <summary>Decodes the tile at <paramref name="src"/> (SuperBlocks * 32 bytes) into <paramref name="dst"/> (KGroups * 32 bytes).</summary>
    public static void Decode(in GemmParams p, byte* src, byte* dst)
    {
        var mask = Vector128.Create(p.CodeMask);
        var x = Vector128.Create(p.DecodeXor);
        var d = Vector128.Create(p.DecodeDouble);
        var s = Vector128.Create(p.DecodeSub);
        int blocks = p.BlocksPerSuper, cb = p.ContainerBits;
        for (int sb = 0; sb < p.SuperBlocks; sb++, src += 32)
        {
            var lo = Vector128.Load(src);
            var hi = Vector128.Load(src + 16);
            for (int i = 0; i < blocks; i++, dst += 32)
            {
                Vector128.Store(Expand(lo, i * cb, mask, x, d, s), dst);
                Vector128.Store(Expand(hi, i * cb, mask, x, d, s), dst + 16);
            }
        }
    }

    private static Vector128<byte> Expand(Vector128<byte> raw, int shift, Vector128<byte> mask, Vector128<byte> x,
        Vector128<byte> d, Vector128<byte> s)
    {
        var q = Vector128.ShiftRightLogical(raw, shift) & mask;
        q ^= x;
        return q + (q & d) - s;
    }
}
