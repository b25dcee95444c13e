using AQD.Edge.Bench.Harness;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Gemm;

namespace AQD.Edge.Bench.Conv;

/// <summary>
/// One prepared <see cref="QuantizedConv"/> pinned to one GEMM variant, with its input, output and
/// scratch allocated up front: <see cref="Run"/> is exactly one call of the kernel (no allocation).
/// </summary>
public sealed class AqdConvCase : IBenchCase, IUInt8NhwcOutput
{
    private readonly QuantizedConv conv;
    private readonly byte[] input;
    private readonly byte[] output;
    private readonly byte[] scratch;

    public AqdConvCase(QuantizedConv prepared, GemmVariant variant, int bits, byte[] input)
    {
        conv = prepared.WithVariant(variant);
        this.input = input;
        output = new byte[conv.OutputBytes];
        scratch = new byte[conv.ScratchBytes];
        Bits = bits;
        Variant = variant.Name + (conv.ReadsInputInPlace ? " direct" : " im2col");
        Note = ReferenceEquals(variant, GemmKernels.Selected) ? "dispatch pick" : null;
    }

    public string Engine => "aqd";
    public string Variant { get; }
    public int Bits { get; }
    public long Macs => conv.Macs;
    public string? Note { get; }

    public void Run() => conv.Run(input, output, scratch);

    public byte[] OutputNhwc() => Bits == 8 ? (byte[])output.Clone() : throw new InvalidOperationException("Only the 8-bit case has uint8 output.");

    public void Dispose()
    {
    }
}
