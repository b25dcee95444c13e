using System.Buffers.Binary;
using AQD.Edge.Onnx.Protobuf;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Onnx.Import;

/// <summary>
/// Reads the elements of a <see cref="TensorProto"/> (raw_data little-endian or the typed fields;
/// 4-bit types packed two per byte, low nibble first). External data is refused.
/// </summary>
public static class OnnxTensorData
{
    public static DT TypeOf(TensorProto t) => (DT)t.DataType;

    public static long Count(TensorProto t) => t.Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>Integer elements of an int8/uint8/int4/uint4/int2/uint2/int16/uint16/int32/int64 tensor (sub-byte types packed low bits first).</summary>
    public static long[] Integers(TensorProto t)
    {
        CheckInline(t);
        long n = Count(t);
        var type = TypeOf(t);
        var v = new long[n];
        var raw = t.RawData.Span;
        bool hasRaw = !t.RawData.IsEmpty;
        switch (type)
        {
            case DT.Int4 or DT.Uint4 or DT.Int2 or DT.Uint2:
                int bits = type is DT.Int4 or DT.Uint4 ? 4 : 2, per = 8 / bits, mask = (1 << bits) - 1;
                bool signedType = type is DT.Int4 or DT.Int2;
                Need(t, hasRaw ? raw.Length : t.Int32Data.Count, (n + per - 1) / per);
                for (long i = 0; i < n; i++)
                {
                    int b = hasRaw ? raw[(int)(i / per)] : t.Int32Data[(int)(i / per)];
                    int code = (b >> (int)(i % per * bits)) & mask;
                    v[i] = signedType && code >= 1 << (bits - 1) ? code - (1 << bits) : code;
                }
                return v;
            case DT.Int64:
                if (hasRaw)
                {
                    Need(t, raw.Length, 8 * n);
                    for (int i = 0; i < n; i++) { v[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]); }
                }
                else
                {
                    Need(t, t.Int64Data.Count, n);
                    for (int i = 0; i < n; i++) { v[i] = t.Int64Data[i]; }
                }
                return v;
            case DT.Int8 or DT.Uint8 or DT.Int16 or DT.Uint16 or DT.Int32:
                int size = OnnxTensors.ElementSize(type);
                if (hasRaw)
                {
                    Need(t, raw.Length, size * n);
                    for (int i = 0; i < n; i++)
                    {
                        var e = raw[(size * i)..];
                        v[i] = type switch
                        {
                            DT.Int8 => (sbyte)e[0],
                            DT.Uint8 => e[0],
                            DT.Int16 => BinaryPrimitives.ReadInt16LittleEndian(e),
                            DT.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(e),
                            _ => BinaryPrimitives.ReadInt32LittleEndian(e),
                        };
                    }
                }
                else
                {
                    Need(t, t.Int32Data.Count, n);
                    for (int i = 0; i < n; i++) { v[i] = type == DT.Int8 ? (sbyte)t.Int32Data[i] : t.Int32Data[i]; }
                }
                return v;
            default:
                throw new OnnxImportException($"tensor '{t.Name}': element type {type} is not an integer type this importer reads.");
        }
    }

    /// <summary>Elements of a float tensor.</summary>
    public static float[] Floats(TensorProto t)
    {
        CheckInline(t);
        if (TypeOf(t) != DT.Float)
        {
            throw new OnnxImportException($"tensor '{t.Name}': element type {TypeOf(t)}, expected FLOAT.");
        }
        long n = Count(t);
        var v = new float[n];
        if (!t.RawData.IsEmpty)
        {
            Need(t, t.RawData.Length, 4 * n);
            for (int i = 0; i < n; i++) { v[i] = BinaryPrimitives.ReadSingleLittleEndian(t.RawData.Span[(4 * i)..]); }
        }
        else
        {
            Need(t, t.FloatData.Count, n);
            t.FloatData.CopyTo(v, 0);
        }
        return v;
    }

    private static void Need(TensorProto t, long have, long need)
    {
        if (have != need)
        {
            throw new OnnxImportException($"tensor '{t.Name}': {have} data entries, dims [{string.Join(", ", t.Dims)}] need {need}.");
        }
    }

    private static void CheckInline(TensorProto t)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
        {
            throw new OnnxImportException($"tensor '{t.Name}': external data is not supported; save the model with its weights inside.");
        }
    }
}

/// <summary>An ONNX model this importer cannot turn into a blob; the message names the node(s).</summary>
public sealed class OnnxImportException(string message) : Exception(message);
