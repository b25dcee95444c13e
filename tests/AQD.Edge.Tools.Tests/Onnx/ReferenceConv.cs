using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.FixedPoint;

namespace AQD.Edge.Tools.Tests.Onnx;

/// <summary>
/// Plain-loop quantized conv in AQD.Edge conventions (NHWC input, [O][KH][KW][I] weights,
/// zero-point padding), test-only: int32 accumulators and THE requantization rule.
/// </summary>
internal static class ReferenceConv
{
    /// <summary>acc[p, o] = sum (x - zp) * w over the window (padding contributes 0), NHWC order.</summary>
    public static int[] Accumulate(ConvGeometry g, byte[] inputNhwc, int inputZeroPoint, sbyte[] weightsOhwi)
    {
        int oh = g.OutHeight, ow = g.OutWidth, cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup;
        var acc = new int[oh * ow * g.OutChannels];
        for (int oy = 0; oy < oh; oy++)
        {
            for (int ox = 0; ox < ow; ox++)
            {
                for (int o = 0; o < g.OutChannels; o++)
                {
                    int grp = o / coutG, sum = 0;
                    for (int ky = 0; ky < g.KernelH; ky++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky;
                        if (iy < 0 || iy >= g.InHeight)
                        {
                            continue;
                        }
                        for (int kx = 0; kx < g.KernelW; kx++)
                        {
                            int ix = ox * g.StrideW - g.PadLeft + kx;
                            if (ix < 0 || ix >= g.InWidth)
                            {
                                continue;
                            }
                            for (int i = 0; i < cinG; i++)
                            {
                                int x = inputNhwc[(iy * g.InWidth + ix) * g.InChannels + grp * cinG + i] - inputZeroPoint;
                                sum += x * weightsOhwi[((o * g.KernelH + ky) * g.KernelW + kx) * cinG + i];
                            }
                        }
                    }
                    acc[(oy * ow + ox) * g.OutChannels + o] = sum;
                }
            }
        }
        return acc;
    }

    /// <summary>Requantizes NHWC accumulators (+ bias per channel) to uint8 with the project's rule.</summary>
    public static byte[] Requantize(int[] acc, int channels, int[] bias, ChannelRequant[] requant, OutputRange range)
    {
        var y = new byte[acc.Length];
        for (int i = 0; i < acc.Length; i++)
        {
            int c = i % channels;
            y[i] = (byte)Requantization.Requantize(acc[i] + bias[c], requant[c], range);
        }
        return y;
    }
}
