using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Model.Graph;

/// <summary>
/// The integer values (codes) of a graph tensor's NHWC bytes, widened to int in NHWC order: uint8 and
/// int8 one per byte, int16 little-endian, packed low-bit unpacked from each byte-aligned pixel by BitPacking.Unpack. Values are the stored integers; real = scale x (value - zero point).
/// For tools and tests that compare engine outputs (trainer evaluation, bit-exactness checks); the
/// device's decoders read the bytes in place.
/// </summary>
public static class TensorCodes
{
    /// <summary>Widens <paramref name="bytes"/> (at least <see cref="GraphTensor.Bytes"/> long) into a new array.</summary>
    public static int[] Read(ReadOnlySpan<byte> bytes, GraphTensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var v = new int[(long)t.Height * t.Width * t.Channels];
        Read(bytes, t, v);
        return v;
    }

    /// <summary>Widens <paramref name="bytes"/> into <paramref name="values"/> (Height x Width x Channels long).</summary>
    public static void Read(ReadOnlySpan<byte> bytes, GraphTensor t, Span<int> values)
    {
        ArgumentNullException.ThrowIfNull(t);
        var f = t.Format;
        int pixels = t.Height * t.Width, c = t.Channels;
        if (bytes.Length < t.Bytes)
        {
            throw new ArgumentException($"tensor {t.Name ?? t.Id.ToString()}: {bytes.Length} bytes given, its {t.Height}x{t.Width}x{c} {f.Storage} data takes {t.Bytes}.", nameof(bytes));
        }
        if (values.Length != (long)pixels * c)
        {
            throw new ArgumentException($"tensor {t.Name ?? t.Id.ToString()}: {values.Length} values given for {t.Height}x{t.Width}x{c}.", nameof(values));
        }
        switch (f.Storage)
        {
            case ActivationStorage.UInt8:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = bytes[i];
                }
                break;
            case ActivationStorage.Int8:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (sbyte)bytes[i];
                }
                break;
            case ActivationStorage.Int16:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (short)(bytes[2 * i] | bytes[2 * i + 1] << 8);
                }
                break;
            case ActivationStorage.PackedUnsigned:
                int pixelBytes = f.PixelBytes(c);
                var pixel = new byte[c];
                for (int p = 0; p < pixels; p++)
                {
                    BitPacking.Unpack(bytes.Slice(p * pixelBytes, pixelBytes), f.LowBit, pixel);
                    for (int ch = 0; ch < c; ch++)
                    {
                        values[p * c + ch] = pixel[ch];
                    }
                }
                break;
            default:
                throw new ArgumentException($"tensor {t.Name ?? t.Id.ToString()}: unknown storage {f.Storage}.", nameof(t));
        }
    }
}
