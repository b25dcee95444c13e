namespace AQD.Edge.Kernels.LowBit;

/// <summary>
/// Packing and unpacking of low-bit integers in the storage of <see cref="LowBitFormat"/>: 2-bit
/// four per byte, 3- and 4-bit two per byte (3-bit in 4-bit containers), 8-bit one per byte; first
/// element in the lowest bits. Values are carried as int8 (weights, signed and odd-level; an
/// odd-level 8-bit value does not fit and is refused) or uint8 (unsigned activations).
/// Packing validates every value and reports the first one that is not a level of the format.
/// </summary>
public static class BitPacking
{
    /// <summary>Packs signed values (weights) into <paramref name="packed"/>.</summary>
    /// <exception cref="ArgumentException">A value is not a level of the format, or a span is too short.</exception>
    public static void Pack(ReadOnlySpan<sbyte> values, LowBitFormat format, Span<byte> packed)
    {
        format.Validate();
        CheckLength(values.Length, format, packed.Length);
        int per = format.PerByte, cbits = format.ContainerBits;
        packed[..format.PackedBytes(values.Length)].Clear();
        for (int i = 0; i < values.Length; i++)
        {
            int v = values[i];
            if (!format.IsLevel(v))
            {
                throw new ArgumentException(
                    $"Value {v} at index {i} is not a level of {format} (range [{format.MinValue}, {format.MaxValue}]" +
                    (format.Encoding == LowBitEncoding.OddLevel ? ", odd values only)." : ")."), nameof(values));
            }
            packed[i / per] |= (byte)(format.Encode(v) << (i % per * cbits));
        }
    }

    /// <summary>Packs unsigned values (activations) into <paramref name="packed"/>.</summary>
    public static void Pack(ReadOnlySpan<byte> values, LowBitFormat format, Span<byte> packed)
    {
        format.Validate();
        if (format.Encoding != LowBitEncoding.Unsigned)
        {
            throw new ArgumentException($"Unsigned values need an unsigned format, not {format}.", nameof(format));
        }
        CheckLength(values.Length, format, packed.Length);
        int per = format.PerByte, cbits = format.ContainerBits, max = format.MaxValue;
        packed[..format.PackedBytes(values.Length)].Clear();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] > max)
            {
                throw new ArgumentException(
                    $"Value {values[i]} at index {i} does not fit {format} (range [0, {max}]).", nameof(values));
            }
            packed[i / per] |= (byte)(values[i] << (i % per * cbits));
        }
    }

    /// <summary>Unpacks <paramref name="values"/>.Length signed values (weights).</summary>
    public static void Unpack(ReadOnlySpan<byte> packed, LowBitFormat format, Span<sbyte> values)
    {
        format.Validate();
        if (format.Encoding == LowBitEncoding.OddLevel && format.Bits == 8)
        {
            throw new ArgumentException("8-bit odd-level values do not fit int8.", nameof(format));
        }
        CheckLength(values.Length, format, packed.Length);
        int per = format.PerByte, cbits = format.ContainerBits, mask = (1 << format.Bits) - 1;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (sbyte)format.Decode((packed[i / per] >> (i % per * cbits)) & mask);
        }
    }

    /// <summary>Unpacks <paramref name="values"/>.Length unsigned values (activations).</summary>
    public static void Unpack(ReadOnlySpan<byte> packed, LowBitFormat format, Span<byte> values)
    {
        format.Validate();
        if (format.Encoding != LowBitEncoding.Unsigned)
        {
            throw new ArgumentException($"Unsigned values need an unsigned format, not {format}.", nameof(format));
        }
        CheckLength(values.Length, format, packed.Length);
        int per = format.PerByte, cbits = format.ContainerBits, mask = (1 << format.Bits) - 1;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (byte)((packed[i / per] >> (i % per * cbits)) & mask);
        }
    }

    private static void CheckLength(int count, LowBitFormat format, int packedLength)
    {
        int need = format.PackedBytes(count);
        if (packedLength < need)
        {
            throw new ArgumentException(
                $"Packed buffer holds {packedLength} bytes but {count} {format} values need {need}.");
        }
    }
}
