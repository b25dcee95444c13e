using AQD.Edge.Kernels.LowBit;

namespace AQD.Edge.Kernels.Tensors;

/// <summary>Container of an activation element in NHWC memory.</summary>
public enum ActivationStorage
{
    /// <summary>One value per byte, unsigned (AQD b-bit activations, uint8 with zero point).</summary>
    UInt8 = 0,
    /// <summary>One value per byte, signed (int8 with zero point).</summary>
    Int8 = 1,
    /// <summary>Unsigned b-bit values packed along channels (2-bit: 4 per byte; 3/4-bit: 2 per byte), each pixel byte-aligned.</summary>
    PackedUnsigned = 2,
    /// <summary>Two bytes per value, signed (residual stream kept at higher precision, zero point 0).</summary>
    Int16 = 3,
}

/// <summary>
/// How an activation tensor is stored and what its integer values mean:
/// real = scale * (value - ZeroPoint), value in [Min, Max]. The scale itself lives only in
/// preparation code; kernels see integers.
/// </summary>
public readonly record struct ActivationFormat(ActivationStorage Storage, int Bits, int ZeroPoint)
{
    /// <summary>AQD unsigned b-bit activation (zero point 0), one per byte.</summary>
    public static ActivationFormat Unsigned(int bits) => new(ActivationStorage.UInt8, bits, 0);

    /// <summary>AQD unsigned b-bit activation (b in 2, 3, 4) packed along channels.</summary>
    public static ActivationFormat Packed(int bits) => new(ActivationStorage.PackedUnsigned, bits, 0);

    /// <summary>uint8 with a zero point (imported int8 models).</summary>
    public static ActivationFormat UInt8(int zeroPoint) => new(ActivationStorage.UInt8, 8, zeroPoint);

    /// <summary>int8 with a zero point (imported int8 models).</summary>
    public static ActivationFormat Int8(int zeroPoint) => new(ActivationStorage.Int8, 8, zeroPoint);

    /// <summary>int16, zero point 0 (residual stream).</summary>
    public static ActivationFormat Int16() => new(ActivationStorage.Int16, 16, 0);

    public int Min => Storage switch
    {
        ActivationStorage.Int8 => -128,
        ActivationStorage.Int16 => short.MinValue,
        _ => 0,
    };

    public int Max => Storage switch
    {
        ActivationStorage.Int8 => 127,
        ActivationStorage.Int16 => short.MaxValue,
        _ => (1 << Bits) - 1,
    };

    /// <summary>The packed low-bit format (only for <see cref="ActivationStorage.PackedUnsigned"/>).</summary>
    public LowBitFormat LowBit => LowBitFormat.UInt(Bits);

    /// <summary>Bytes one pixel of <paramref name="channels"/> channels takes (pixels are byte-aligned).</summary>
    public int PixelBytes(int channels) => Storage switch
    {
        ActivationStorage.PackedUnsigned => LowBit.PackedBytes(channels),
        ActivationStorage.Int16 => 2 * channels,
        _ => channels,
    };

    /// <summary>Checks that the format is one the kernels support.</summary>
    public void Validate(string what)
    {
        bool ok = Storage switch
        {
            ActivationStorage.UInt8 => Bits is >= 1 and <= 8 && ZeroPoint >= 0 && ZeroPoint <= Max,
            ActivationStorage.Int8 => Bits == 8 && ZeroPoint >= -128 && ZeroPoint <= 127,
            ActivationStorage.PackedUnsigned => Bits is 2 or 3 or 4 && ZeroPoint == 0,
            ActivationStorage.Int16 => Bits == 16 && ZeroPoint == 0,
            _ => false,
        };
        if (!ok)
        {
            throw new ArgumentException($"{what}: unsupported activation format {this}.");
        }
    }

    public override string ToString() => Storage switch
    {
        ActivationStorage.UInt8 when Bits == 8 => $"uint8(zp={ZeroPoint})",
        ActivationStorage.UInt8 => $"u{Bits}",
        ActivationStorage.Int8 => $"int8(zp={ZeroPoint})",
        ActivationStorage.PackedUnsigned => $"u{Bits}-packed",
        _ => "int16",
    };
}
