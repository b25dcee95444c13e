// 256-entry lookup-table op, scalar reference: out[i] = table[in[i]] (uint8 input) or
// table[in[i] + 128] (int8 input, computed as the byte XOR 0x80); 8-bit outputs gather bytes
// (Run), int16 outputs gather int16 values (RunWide).
// Layout: flat element-wise over input/output (NHWC tensors of one shape); output may alias the
// input exactly. Bounds: the index is a byte, so always inside the 256-entry table. Rounding: none
// at invoke time (all rounding happened when the table was built at preparation). This is a pure
// gather with no SIMD twin: the only variant is this scalar one (a TBL/VPSHUFB version would need
// 4 or 8 table registers and is not worth it for the few sigmoid outputs of a detector head).
using System.Runtime.InteropServices;

namespace AQD.Edge.Kernels.Elementwise;

internal static class LookupTableReference
{
    public static void Run(LookupTable t, ReadOnlySpan<byte> input, Span<byte> output)
    {
        ReadOnlySpan<byte> table = t.Entries;
        byte x = t.IndexXor;
        ref byte tab = ref MemoryMarshal.GetReference(table);
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = System.Runtime.CompilerServices.Unsafe.Add(ref tab, (byte)(input[i] ^ x));
        }
    }

    public static void RunWide(LookupTable t, ReadOnlySpan<byte> input, Span<short> output)
    {
        ReadOnlySpan<short> table = t.WideEntries;
        byte x = t.IndexXor;
        ref short tab = ref MemoryMarshal.GetReference(table);
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = System.Runtime.CompilerServices.Unsafe.Add(ref tab, (byte)(input[i] ^ x));
        }
    }
}
