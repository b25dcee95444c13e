namespace AQD.Edge.Kernels.LowBit;

/// <summary>How a b-bit code stands for an integer value.</summary>
public enum LowBitEncoding
{
    /// <summary>value = code, in [0, 2^b - 1]: AQD activations, uint2/uint4/uint8 tensors.</summary>
    Unsigned = 0,
    /// <summary>value = two's complement of the b-bit code, in [-2^(b-1), 2^(b-1) - 1]: ONNX int2/int4/int8.</summary>
    Signed = 1,
    /// <summary>
    /// AQD's odd-level weights: value = 2*code - (2^b - 1), in {-(2^b-1), ..., -1, 1, ..., 2^b - 1}
    /// (no zero level): 2 bits {-3,-1,1,3}, 3 bits {-7..7 odd}, 4 bits {-15..15 odd}, 8 bits {-255..255 odd}
    /// (8-bit odd-level does not fit an int8 value and is refused for weights that must be int8).
    /// </summary>
    OddLevel = 2,
}

/// <summary>
/// A low-bit integer format: bit width b in {2, 3, 4, 8} and encoding.
/// <para>
/// Storage ("containers"): 2-bit codes four to a byte, 4-bit codes two to a byte, 8-bit one to a
/// byte. 3-bit codes are stored in 4-bit containers (two to a byte, top bit of each nibble zero):
/// a 3-bit tensor takes the same bytes as a 4-bit one, and unpacking needs no cross-byte work.
/// Within a byte the first element sits in the lowest bits (as ONNX packs int4 and int2).
/// A packed run of n elements takes ceil(n * containerBits / 8) bytes; unused high bits of the last
/// byte are zero.
/// </para>
/// </summary>
public readonly record struct LowBitFormat(int Bits, LowBitEncoding Encoding)
{
    public static LowBitFormat UInt(int bits) => new(bits, LowBitEncoding.Unsigned);
    public static LowBitFormat Int(int bits) => new(bits, LowBitEncoding.Signed);
    public static LowBitFormat Odd(int bits) => new(bits, LowBitEncoding.OddLevel);

    /// <summary>Bits one element takes in storage: 2, 4 (for 3- and 4-bit) or 8.</summary>
    public int ContainerBits => Bits switch { 2 => 2, 3 or 4 => 4, _ => 8 };

    /// <summary>Elements per byte: 4, 2 or 1.</summary>
    public int PerByte => 8 / ContainerBits;

    /// <summary>Bytes a packed run of <paramref name="count"/> elements takes.</summary>
    public int PackedBytes(int count) => (count + PerByte - 1) / PerByte;

    public int MinValue => Encoding switch
    {
        LowBitEncoding.Unsigned => 0,
        LowBitEncoding.Signed => -(1 << (Bits - 1)),
        _ => -((1 << Bits) - 1),
    };

    public int MaxValue => Encoding switch
    {
        LowBitEncoding.Unsigned => (1 << Bits) - 1,
        LowBitEncoding.Signed => (1 << (Bits - 1)) - 1,
        _ => (1 << Bits) - 1,
    };

    /// <summary>Whether <paramref name="value"/> is a level of this format.</summary>
    public bool IsLevel(int value) => value >= MinValue && value <= MaxValue &&
        (Encoding != LowBitEncoding.OddLevel || (value & 1) != 0);

    /// <summary>The b-bit code of a value (the value must be a level; see <see cref="IsLevel"/>).</summary>
    public int Encode(int value) => Encoding switch
    {
        LowBitEncoding.Unsigned => value,
        LowBitEncoding.Signed => value & ((1 << Bits) - 1),
        _ => (value + (1 << Bits) - 1) >> 1,
    };

    /// <summary>The value a b-bit code stands for.</summary>
    public int Decode(int code) => Encoding switch
    {
        LowBitEncoding.Unsigned => code,
        LowBitEncoding.Signed => (code ^ (1 << (Bits - 1))) - (1 << (Bits - 1)),
        _ => 2 * code - ((1 << Bits) - 1),
    };

    /// <summary>Validates the format itself.</summary>
    public void Validate()
    {
        if (Bits is not (2 or 3 or 4 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(Bits), Bits, "Bit width must be 2, 3, 4 or 8.");
        }
        if (!Enum.IsDefined(Encoding))
        {
            throw new ArgumentOutOfRangeException(nameof(Encoding), Encoding, "Unknown low-bit encoding.");
        }
    }

    public override string ToString() => Encoding switch
    {
        LowBitEncoding.Unsigned => $"u{Bits}",
        LowBitEncoding.Signed => $"i{Bits}",
        _ => $"odd{Bits}",
    };
}
