using AQD.Edge.Bench.Harness;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Gemm;

namespace AQD.Edge.Bench.Conv;

/// <summary>
/// One prepared <see cref="QuantizedConv"/> pinned to one GEMM variant, with its input, output and
/// scratch allocated up front: <see cref="Run"/> is exactly one call of the kernel (no allocation).
/// </summary>
public sealed class AqdConvCase(QuantizedConv conv, GemmVariant variant, int bits, byte[] input) : IBenchCase, IUInt8NhwcOutput
{
    private readonly QuantizedConv conv = conv.WithVariant(variant);
    private readonly byte[] output = new byte[conv.OutputBytes];
    private readonly byte[] scratch = new byte[conv.ScratchBytes];

    public string Engine => "aqd";
    public string Variant { get; } = variant.Name + (conv.ReadsInputInPlace ? " direct" : " im2col");
    public int Bits { get; } = bits;
    public long Macs => conv.Macs;
    public string? Note { get; } = ReferenceEquals(variant, GemmKernels.Selected) ? "dispatch pick" : null;

    public void Run() => conv.Run(input, output, scratch);

    public byte[] OutputNhwc() => Bits == 8 ? (byte[])output.Clone() : throw new InvalidOperationException("Only the 8-bit case has uint8 output.");

    public void Dispose()
    {
    }
}
