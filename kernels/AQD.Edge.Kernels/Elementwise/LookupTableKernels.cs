// Lookup-table family: the variant list (Scalar only: a pure gather, see LookupTableReference)
// and the dispatched entry. Layout and indexing: see LookupTable / LookupTableReference.
using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Elementwise;

/// <summary>One implementation of the lookup-table op.</summary>
public sealed class LookupTableVariant : KernelVariant
{
    internal LookupTableVariant(string name, KernelIsa isa)
        : base(name, isa)
    {
    }

    /// <summary>
    /// output[i] = table entry of input[i] for i in [0, input.Length). Element types: byte for uint8,
    /// sbyte for int8, short for int16 (output only), matching the table's formats. An 8-bit output
    /// may be the same memory as the input.
    /// </summary>
    public void Run<TI, TO>(LookupTable t, ReadOnlySpan<TI> input, Span<TO> output)
        where TI : unmanaged where TO : unmanaged
    {
        ElementIo.CheckType<TI>(t.Input, "LookupTable input");
        ElementIo.CheckType<TO>(t.Output, "LookupTable output");
        if (output.Length < input.Length)
        {
            throw new ArgumentException($"LookupTable: output of {output.Length} elements for {input.Length} inputs.");
        }
        if (t.IsWide)
        {
            LookupTableReference.RunWide(t, MemoryMarshal.AsBytes(input), MemoryMarshal.Cast<TO, short>(output));
            return;
        }
        LookupTableReference.Run(t, MemoryMarshal.AsBytes(input), MemoryMarshal.AsBytes(output));
    }
}

/// <summary>The lookup-table family (sigmoid at the class outputs, other 8-bit unary functions).</summary>
public static class LookupTableKernels
{
    public static LookupTableVariant Scalar { get; } = new("QLut256ScalarX1", KernelIsa.Scalar);

    public static IReadOnlyList<LookupTableVariant> Variants { get; } = [Scalar];

    /// <summary>The variant chosen by <see cref="KernelTable.Select{T}"/> (always the scalar one).</summary>
    public static LookupTableVariant Selected => KernelTable.Select(Variants);

    /// <summary>Runs the selected variant.</summary>
    public static void Run<TI, TO>(LookupTable t, ReadOnlySpan<TI> input, Span<TO> output)
        where TI : unmanaged where TO : unmanaged
        => Selected.Run(t, input, output);
}
