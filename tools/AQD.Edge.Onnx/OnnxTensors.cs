using System.Runtime.InteropServices;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;

namespace AQD.Edge.Onnx;

/// <summary>
/// Builds <see cref="TensorProto"/> initializers (little-endian raw_data) and
/// <see cref="ValueInfoProto"/> graph inputs/outputs.
/// </summary>
public static class OnnxTensors
{
    public static TensorProto UInt8(string name, ReadOnlySpan<byte> values, params long[] dims)
        => Raw(name, TensorProto.Types.DataType.Uint8, values, dims);

    public static TensorProto Int8(string name, ReadOnlySpan<sbyte> values, params long[] dims)
        => Raw(name, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(values), dims);

    public static TensorProto Int32(string name, ReadOnlySpan<int> values, params long[] dims)
        => Raw(name, TensorProto.Types.DataType.Int32, MemoryMarshal.AsBytes(values), dims);

    public static TensorProto Int64(string name, ReadOnlySpan<long> values, params long[] dims)
        => Raw(name, TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values), dims);

    public static TensorProto Float(string name, ReadOnlySpan<float> values, params long[] dims)
        => Raw(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values), dims);

    /// <summary>
    /// An int4 / uint4 / int2 / uint2 tensor (opset 21 / 25): values packed low bits first, 2 or 4 per
    /// byte, the last byte's unused bits 0 (ONNX's packing).
    /// </summary>
    public static TensorProto SubByte(string name, TensorProto.Types.DataType type, ReadOnlySpan<int> values, params long[] dims)
    {
        int bits = type switch
        {
            TensorProto.Types.DataType.Int4 or TensorProto.Types.DataType.Uint4 => 4,
            TensorProto.Types.DataType.Int2 or TensorProto.Types.DataType.Uint2 => 2,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a sub-byte integer type."),
        };
        bool signed = type is TensorProto.Types.DataType.Int4 or TensorProto.Types.DataType.Int2;
        int lo = signed ? -(1 << (bits - 1)) : 0, hi = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1, per = 8 / bits;
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length)
        {
            throw new ArgumentException($"Tensor '{name}': {values.Length} elements given but dims [{string.Join(", ", dims)}] need {count}.");
        }
        var bytes = new byte[(values.Length + per - 1) / per];
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < lo || values[i] > hi)
            {
                throw new ArgumentOutOfRangeException(nameof(values), values[i], $"Tensor '{name}': element {i} is outside {type} [{lo}, {hi}].");
            }
            bytes[i / per] |= (byte)((values[i] & ((1 << bits) - 1)) << (i % per * bits));
        }
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>A scalar (rank 0) float tensor.</summary>
    public static TensorProto Float(string name, float value) => Float(name, [value]);

    /// <summary>A scalar (rank 0) uint8 tensor.</summary>
    public static TensorProto UInt8(string name, byte value) => UInt8(name, [value]);

    private static TensorProto Raw(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        }
        long count = dims.Aggregate(1L, (a, d) => a * d);
        int elementSize = ElementSize(type);
        if (count * elementSize != bytes.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}': {bytes.Length / elementSize} elements given but dims [{string.Join(", ", dims)}] need {count}.");
        }
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>Bytes of one element of a fixed-width type.</summary>
    public static int ElementSize(TensorProto.Types.DataType type) => type switch
    {
        TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Bool => 1,
        TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Float16
            or TensorProto.Types.DataType.Bfloat16 => 2,
        TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 or TensorProto.Types.DataType.Float => 4,
        TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Double => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a fixed-width byte-aligned type."),
    };

    /// <summary>A graph input or output: a tensor of <paramref name="type"/> with fixed dims.</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
