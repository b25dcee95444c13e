namespace AQD.Edge.Kernels.Conv;

/// <summary>
/// Shape of a 2-D convolution (or pooling window) over one NHWC image. Weights are
/// [OutChannels][KernelH][KernelW][InChannels / Groups]. Padding is explicit per side; padded
/// positions hold the input's integer zero point (so they contribute nothing after the zero-point
/// correction; AQD's zero padding is the integer 0 of unsigned activations).
/// </summary>
public sealed record ConvGeometry(
    int InHeight, int InWidth, int InChannels, int OutChannels,
    int KernelH, int KernelW, int StrideH = 1, int StrideW = 1,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0,
    int Groups = 1)
{
    public int OutHeight => (InHeight + PadTop + PadBottom - KernelH) / StrideH + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - KernelW) / StrideW + 1;
    public int InChannelsPerGroup => InChannels / Groups;
    public int OutChannelsPerGroup => OutChannels / Groups;
    public bool IsDepthwise => Groups == InChannels && Groups == OutChannels && Groups > 1;

    /// <summary>Reduction length of one output value: KernelH * KernelW * InChannels / Groups.</summary>
    public int ReductionSize => KernelH * KernelW * InChannelsPerGroup;

    /// <summary>Multiply-accumulates of one image.</summary>
    public long Macs => (long)OutHeight * OutWidth * OutChannels * ReductionSize;

    /// <summary>"Same" padding for odd kernels: pad = k/2 on every side.</summary>
    public static ConvGeometry Same(int h, int w, int cin, int cout, int k, int stride = 1, int groups = 1)
        => new(h, w, cin, cout, k, k, stride, stride, k / 2, k / 2, k / 2, k / 2, groups);

    /// <summary>Throws a message naming the first invalid field.</summary>
    public void Validate(string what)
    {
        void Check(bool ok, string field, object value, string rule)
        {
            if (!ok)
            {
                throw new ArgumentException($"{what}: {field} = {value} is invalid ({rule}).");
            }
        }
        Check(InHeight > 0 && InWidth > 0, "input size", $"{InHeight}x{InWidth}", "must be positive");
        Check(InChannels > 0 && OutChannels > 0, "channels", $"{InChannels}->{OutChannels}", "must be positive");
        Check(KernelH > 0 && KernelW > 0, "kernel", $"{KernelH}x{KernelW}", "must be positive");
        Check(StrideH > 0 && StrideW > 0, "stride", $"{StrideH}x{StrideW}", "must be positive");
        Check(PadTop >= 0 && PadLeft >= 0 && PadBottom >= 0 && PadRight >= 0, "padding",
            $"{PadTop},{PadLeft},{PadBottom},{PadRight}", "must be non-negative");
        Check(PadTop < KernelH && PadBottom < KernelH && PadLeft < KernelW && PadRight < KernelW, "padding",
            $"{PadTop},{PadLeft},{PadBottom},{PadRight}", "must be smaller than the kernel");
        Check(Groups > 0 && InChannels % Groups == 0 && OutChannels % Groups == 0, "groups", Groups,
            "must divide input and output channels");
        Check(InHeight + PadTop + PadBottom >= KernelH && InWidth + PadLeft + PadRight >= KernelW, "kernel",
            $"{KernelH}x{KernelW}", "larger than the padded input");
        Check((long)ReductionSize * 255 * 255 < int.MaxValue / 2, "reduction size", ReductionSize,
            "too large for int32 accumulation");
    }
}
