// 256-entry lookup-table op (sigmoid, tanh, ... on uint8 / int8): the prepared table.
// Layout: flat element-wise; entry k of the table is the output value for input code k, where
// k = in for uint8 inputs and k = in + 128 (the byte XOR 0x80) for int8 inputs. 8-bit outputs:
// entries are the output type's storage bytes (int8 as two's complement); int16 outputs (a finer
// output grid, e.g. sigmoid scores at 1/32768): entries are int16 values. Built at preparation time
// only (Preparation/LookupTablePreparation); the kernel is a pure gather, no arithmetic, no rounding.
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>A validated 256-entry uint8/int8 -&gt; uint8/int8/int16 table with its input and output formats.</summary>
public sealed class LookupTable
{
    /// <summary>Number of entries: one per input code.</summary>
    public const int Size = 256;

    private readonly byte[] table;
    private readonly short[] wide = [];

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

    private LookupTable(ActivationFormat input, ActivationFormat output, short[] wideEntries)
    {
        Check(input, "input");
        output.Validate("output");
        Input = input;
        Output = output;
        table = [];
        wide = wideEntries;
    }

    /// <summary>
    /// A table from output values (not storage bytes) indexed by input code: uint8/int8 outputs as
    /// the 8-bit constructor, or an int16 output (entries are int16 values). Every value must lie in
    /// the output format's [Min, Max].
    /// </summary>
    public static LookupTable FromValues(ActivationFormat input, ActivationFormat output, ReadOnlySpan<int> values)
    {
        if (values.Length != Size)
        {
            throw new ArgumentException($"LookupTable: {values.Length} values given, need exactly {Size}.", nameof(values));
        }
        for (int k = 0; k < Size; k++)
        {
            if (values[k] < output.Min || values[k] > output.Max)
            {
                throw new ArgumentException($"LookupTable: value {values[k]} for input code index {k} is outside the output format {output} [{output.Min}, {output.Max}].", nameof(values));
            }
        }
        if (output.Storage == ActivationStorage.Int16)
        {
            var w = new short[Size];
            for (int k = 0; k < Size; k++) { w[k] = (short)values[k]; }
            return new LookupTable(input, output, w);
        }
        Span<byte> bytes = stackalloc byte[Size];
        for (int k = 0; k < Size; k++) { bytes[k] = (byte)values[k]; }
        return new LookupTable(input, output, bytes);
    }

    public ActivationFormat Input { get; }

    public ActivationFormat Output { get; }

    /// <summary>Whether the output is int16 (<see cref="WideEntries"/>) rather than 8-bit (<see cref="Entries"/>).</summary>
    public bool IsWide => Output.Storage == ActivationStorage.Int16;

    /// <summary>The 256 entries of an 8-bit output, indexed by input code (in for uint8, in + 128 for int8); empty for int16 outputs.</summary>
    public ReadOnlySpan<byte> Entries => table;

    /// <summary>The 256 int16 entries of an int16 output, indexed by input code; empty for 8-bit outputs.</summary>
    public ReadOnlySpan<short> WideEntries => wide;

    /// <summary>Output value (not storage byte) for input code index <paramref name="k"/> (0..255).</summary>
    public int Value(int k) => IsWide ? wide[k] : Output.Storage == ActivationStorage.Int8 ? (sbyte)table[k] : table[k];

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
