// Qu8Qs8Gemm 8x8c4 on AVX2 + AVX-VNNI: the shared 8-row loop (X86Gemm8x8c4) with VPDPBUSD
// (u8 x s8, four products summed into each int32 lane, no saturation): one instruction per row
// and k-group, 8 independent accumulators. Data layout and bounds: GemmMicrokernel.cs (int32
// wrap-around is exact because the final sums fit int32). No rounding here.
namespace AQD.Edge.Kernels.Gemm;

internal sealed unsafe class Qu8Qs8Gemm8x8c4AvxVnni : GemmMicrokernel
{
    public override int MR => 8;

    public override void Run(in GemmParams p, int rows, byte* a, nint aStride, byte* w, int* c, nint cStride, int* init)
        => X86Gemm8x8c4.Run<VnniDot>(rows, a, aStride, (nint)p.KGroups * 4, w, c, cStride);
}
