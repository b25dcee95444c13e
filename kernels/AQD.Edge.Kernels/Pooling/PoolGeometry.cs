// Shape of a pooling window over NHWC images (batch, height, width, channels innermost).
// No weights, no arithmetic.
namespace AQD.Edge.Kernels.Pooling;

/// <summary>
/// kH x kW window, stride, explicit padding per side. Padding is smaller than the window on every
/// side, so each window holds at least one real input position.
/// </summary>
public sealed record PoolGeometry(
    int Batch, int InHeight, int InWidth, int Channels,
    int KernelH, int KernelW, int StrideH = 1, int StrideW = 1,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0)
{
    public int OutHeight => (InHeight + PadTop + PadBottom - KernelH) / StrideH + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - KernelW) / StrideW + 1;
    public int InputElements => Batch * InHeight * InWidth * Channels;
    public int OutputElements => Batch * OutHeight * OutWidth * Channels;

    /// <summary>Square k x k window with the same stride and padding on every side.</summary>
    public static PoolGeometry Square(int batch, int h, int w, int c, int k, int stride, int pad)
        => new(batch, h, w, c, k, k, stride, stride, pad, pad, pad, pad);

    /// <summary>Throws an ArgumentException naming the first invalid field.</summary>
    public void Validate(string what)
    {
        void Check(bool ok, string field, object value, string rule)
        {
            if (!ok)
            {
                throw new ArgumentException($"{what}: {field} = {value} is invalid ({rule}).", field);
            }
        }
        Check(Batch > 0, nameof(Batch), Batch, "must be positive");
        Check(InHeight > 0, nameof(InHeight), InHeight, "must be positive");
        Check(InWidth > 0, nameof(InWidth), InWidth, "must be positive");
        Check(Channels > 0, nameof(Channels), Channels, "must be positive");
        Check(KernelH > 0, nameof(KernelH), KernelH, "must be positive");
        Check(KernelW > 0, nameof(KernelW), KernelW, "must be positive");
        Check(StrideH > 0, nameof(StrideH), StrideH, "must be positive");
        Check(StrideW > 0, nameof(StrideW), StrideW, "must be positive");
        Check(PadTop >= 0 && PadTop < KernelH, nameof(PadTop), PadTop, "must be in [0, KernelH)");
        Check(PadBottom >= 0 && PadBottom < KernelH, nameof(PadBottom), PadBottom, "must be in [0, KernelH)");
        Check(PadLeft >= 0 && PadLeft < KernelW, nameof(PadLeft), PadLeft, "must be in [0, KernelW)");
        Check(PadRight >= 0 && PadRight < KernelW, nameof(PadRight), PadRight, "must be in [0, KernelW)");
        Check(InHeight + PadTop + PadBottom >= KernelH, nameof(KernelH), KernelH, "larger than the padded input height");
        Check(InWidth + PadLeft + PadRight >= KernelW, nameof(KernelW), KernelW, "larger than the padded input width");
        Check((long)Batch * InHeight * InWidth * Channels <= int.MaxValue, "input size",
            $"{Batch}x{InHeight}x{InWidth}x{Channels}", "must have fewer than 2^31 elements");
    }

    /// <summary>The valid input rows [y0, y1) and columns [x0, x1) of output pixel (oy, ox).</summary>
    internal void Window(int oy, int ox, out int y0, out int y1, out int x0, out int x1)
    {
        int ys = oy * StrideH - PadTop, xs = ox * StrideW - PadLeft;
        y0 = Math.Max(ys, 0);
        y1 = Math.Min(ys + KernelH, InHeight);
        x0 = Math.Max(xs, 0);
        x1 = Math.Min(xs + KernelW, InWidth);
    }
}
