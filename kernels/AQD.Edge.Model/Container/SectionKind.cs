using System.Buffers.Binary;

namespace AQD.Edge.Model.Container;

/// <summary>
/// A section's kind: four ASCII characters (A-Z, 0-9, '_'), stored as the first four bytes of the
/// table entry in reading order ("META" is bytes 4D 45 54 41).
/// </summary>
public readonly record struct SectionKind(uint Value)
{
    /// <summary>Model metadata, UTF-8 JSON (exactly one, required).</summary>
    public static readonly SectionKind Metadata = Parse("META");
    /// <summary>String table (at most one; required when any section or graph record names a string).</summary>
    public static readonly SectionKind Strings = Parse("STRS");
    /// <summary>Graph (at most one; schema proposed in docs/blob-format.md, not read by this version).</summary>
    public static readonly SectionKind Graph = Parse("GRPH");
    /// <summary>Packed weights in the kernels' own layouts (any number).</summary>
    public static readonly SectionKind Weights = Parse("WGHT");
    /// <summary>Per-op parameter blocks: bias, requantization multipliers and shifts (any number).</summary>
    public static readonly SectionKind Parameters = Parse("PRMS");
    /// <summary>Detector decode tables (at most one; Detection.DetectionSection).</summary>
    public static readonly SectionKind Detection = Parse("DETC");

    /// <summary>Kind from its four characters.</summary>
    /// <exception cref="ArgumentException">Not four characters of A-Z, 0-9, '_'.</exception>
    public static SectionKind Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length != 4)
        {
            throw new ArgumentException($"section kind '{text}' must be 4 characters.", nameof(text));
        }
        Span<byte> b = stackalloc byte[4];
        for (int i = 0; i < 4; i++)
        {
            if (text[i] > 0x7F || !IsKindByte((byte)text[i]))
            {
                throw new ArgumentException($"section kind '{text}': character {i} is not A-Z, 0-9 or '_'.", nameof(text));
            }
            b[i] = (byte)text[i];
        }
        return new SectionKind(BinaryPrimitives.ReadUInt32LittleEndian(b));
    }

    /// <summary>Whether all four bytes are allowed kind characters.</summary>
    public bool IsWellFormed
    {
        get
        {
            for (int i = 0; i < 4; i++)
            {
                if (!IsKindByte((byte)(Value >> (8 * i))))
                {
                    return false;
                }
            }
            return true;
        }
    }

    internal static bool IsKindByte(byte c) => c is >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'_';

    public override string ToString()
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            byte b = (byte)(Value >> (8 * i));
            c[i] = IsKindByte(b) ? (char)b : '?';
        }
        return IsWellFormed ? new string(c) : $"0x{BinaryPrimitives.ReverseEndianness(Value):X8}";
    }
}
