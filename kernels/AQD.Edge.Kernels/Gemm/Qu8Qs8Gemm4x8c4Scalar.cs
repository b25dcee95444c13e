// Scalar reference twin of the Qu8Qs8Gemm 4x8c4 microkernels: plain loops over the packed layout
// (see GemmMicrokernel.cs and PackedConvWeights.cs), decoding each weight with LowBitFormat.Decode.
// c[r][j] = sum_k a[r][k] * w[j][k], int32 (bounds guaranteed by preparation). No rounding.
namespace AQD.Edge.Kernels.Gemm;

internal sealed unsafe class Qu8Qs8Gemm4x8c4Scalar : GemmMicrokernel
{
    public override int MR => 4;

    public override bool ReadsLowBit => true;

    public override void Run(in GemmParams p, int rows, byte* a, nint aStride, byte* w, int* c, nint cStride, int* init)
    {
        int groups = p.SuperBlocks * p.BlocksPerSuper;
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < 8; j++)
            {
                int sum = 0;
                for (int g = 0; g < groups; g++)
                {
                    for (int kk = 0; kk < 4; kk++)
                    {
                        sum += a[r * aStride + g * 4 + kk] * Weight(p, w, g, j, kk);
                    }
                }
                c[r * cStride + j] = sum;
            }
        }
    }

    /// <summary>Weight of channel j (0..7), k = 4 * kGroup + kk, of the tile at w.</summary>
    internal static int Weight(in GemmParams p, byte* w, int kGroup, int j, int kk)
    {
        byte raw = w[kGroup / p.BlocksPerSuper * 32 + j * 4 + kk];
        if (!p.LowBit)
        {
            return (sbyte)raw;
        }
        int code = (raw >> (kGroup % p.BlocksPerSuper * p.ContainerBits)) & p.CodeMask;
        return p.WeightFormat.Decode(code);
    }
}
