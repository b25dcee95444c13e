// 256-entry lookup-table op (sigmoid, tanh, ... on uint8 / int8): the prepared table.
// Layout: flat element-wise; entry k of the table is the output byte for input code k, where
// k = in for uint8 inputs and k = in + 128 (the byte XOR 0x80) for int8 inputs. Output bytes are
// the output type's storage (int8 as two's complement). Built at preparation time only
// (Preparation/LookupTablePreparation); the kernel is a pure gather, no arithmetic, no rounding.
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>A validated 256-entry uint8/int8 -&gt; uint8/int8 table with its input and output formats.</summary>
public sealed class LookupTable
{
    /// <summary>Number of entries: one per input code.</summary>
    public const int Size = 256;

    private readonly byte[] table;

    /// <param name="input">UInt8 or Int8 (8-bit) input format.</param>
    /// <param name="output">UInt8 or Int8 (8-bit) output format.</param>
    /// <param name="entries">Exactly 256 output bytes indexed by input code (see the file header).</param>
    public LookupTable(ActivationFormat input, ActivationFormat output, ReadOnlySpan<byte> entries)
    {
        Check(input, "input");
        Check(output, "output");
        if (entries.Length != Size)
        {
            throw new ArgumentException($"LookupTable: {entries.Length} entries given, need exactly {Size}.", nameof(entries));
        }
        Input = input;
        Output = output;
        table = entries.ToArray();
    }

    public ActivationFormat Input { get; }

    public ActivationFormat Output { get; }

    /// <summary>The 256 entries, indexed by input code (in for uint8, in + 128 for int8).</summary>
    public ReadOnlySpan<byte> Entries => table;

    /// <summary>XOR applied to an input byte to get its table index: 0 for uint8, 0x80 for int8.</summary>
    public byte IndexXor => Input.Storage == ActivationStorage.Int8 ? (byte)0x80 : (byte)0;

    private static void Check(ActivationFormat f, string what)
    {
        if (f.Bits != 8 || (f.Storage != ActivationStorage.UInt8 && f.Storage != ActivationStorage.Int8))
        {
            throw new ArgumentException($"LookupTable: {what} format {f} is not 8-bit uint8/int8.", what);
        }
    }
}
