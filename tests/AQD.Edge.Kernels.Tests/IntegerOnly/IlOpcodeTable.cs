using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;

namespace AQD.Edge.Kernels.Tests.IntegerOnly;

/// <summary>One decoded IL instruction: offset, opcode and its raw operand (token, int or nothing).</summary>
public readonly record struct IlInstruction(int Offset, OpCode OpCode, long Operand);

/// <summary>
/// Decodes IL bodies instruction by instruction with the runtime's own opcode table
/// (<see cref="OpCodes"/>): one-byte opcodes, the 0xFE two-byte page, operand sizes from
/// <see cref="OperandType"/>, and switch jump tables (count + 4 bytes per target).
/// </summary>
public static class IlOpcodeTable
{
    private static readonly OpCode?[] OneByte = new OpCode?[256];
    private static readonly OpCode?[] TwoByte = new OpCode?[256];

    static IlOpcodeTable()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetValue(null) is not OpCode op)
            {
                continue;
            }
            ushort value = unchecked((ushort)op.Value);
            if (op.Size == 1)
            {
                OneByte[value] = op;
            }
            else if ((value >> 8) == 0xFE)
            {
                TwoByte[value & 0xFF] = op;
            }
        }
    }

    /// <summary>Decodes a whole body; throws <see cref="BadImageFormatException"/> on an unknown opcode or a truncated operand.</summary>
    public static IEnumerable<IlInstruction> Decode(BlobReader reader)
    {
        var list = new List<IlInstruction>();
        while (reader.RemainingBytes > 0)
        {
            int offset = reader.Offset;
            byte first = reader.ReadByte();
            OpCode? op = first == 0xFE
                ? (reader.RemainingBytes > 0 ? TwoByte[reader.ReadByte()] : null)
                : OneByte[first];
            if (op is not { } opcode)
            {
                throw new BadImageFormatException($"Unknown IL opcode 0x{first:x2} at IL_{offset:x4}.");
            }
            long operand = opcode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI => reader.ReadSByte(),
                OperandType.ShortInlineVar => reader.ReadByte(),
                OperandType.InlineVar => reader.ReadUInt16(),
                OperandType.InlineBrTarget or OperandType.InlineI => reader.ReadInt32(),
                OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineSig
                    or OperandType.InlineString or OperandType.InlineTok or OperandType.InlineType => reader.ReadInt32(),
                OperandType.ShortInlineR => reader.ReadInt32(),   // raw bits of a float32 constant, never converted
                OperandType.InlineI8 or OperandType.InlineR => reader.ReadInt64(),
                OperandType.InlineSwitch => SkipSwitchTable(ref reader),
                _ => throw new BadImageFormatException($"Unhandled operand type {opcode.OperandType} of {opcode.Name} at IL_{offset:x4}."),
            };
            list.Add(new IlInstruction(offset, opcode, operand));
        }
        return list;
    }

    private static long SkipSwitchTable(ref BlobReader reader)
    {
        uint count = reader.ReadUInt32();
        if (count > (uint)reader.RemainingBytes / 4)
        {
            throw new BadImageFormatException($"Switch table of {count} targets runs past the end of the body.");
        }
        for (uint i = 0; i < count; i++)
        {
            reader.ReadInt32();
        }
        return count;
    }
}
