using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Onnx.Import;

/// <summary>Real values of an engine activation tensor (tools side: verify, bias correction).</summary>
public static class ActivationValues
{
    /// <summary>scale * (q - zero point) for every element (NHWC) of a uint8 / int8 / int16 / packed unsigned tensor.</summary>
    public static float[] Dequantize(ReadOnlySpan<byte> bytes, ActivationFormat format, float scale, int pixels, int channels)
    {
        int zp = format.ZeroPoint;
        var f = new float[pixels * channels];
        switch (format.Storage)
        {
            case ActivationStorage.UInt8:
                for (int i = 0; i < f.Length; i++) { f[i] = scale * (bytes[i] - zp); }
                break;
            case ActivationStorage.Int8:
                for (int i = 0; i < f.Length; i++) { f[i] = scale * ((sbyte)bytes[i] - zp); }
                break;
            case ActivationStorage.Int16:
                var shorts = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(bytes);
                for (int i = 0; i < f.Length; i++) { f[i] = scale * (shorts[i] - zp); }
                break;
            default:
                // packed unsigned b-bit: byte-aligned pixels, first channel in the low bits
                var codes = new byte[channels];
                int pixelBytes = format.PixelBytes(channels);
                for (int p = 0; p < pixels; p++)
                {
                    BitPacking.Unpack(bytes.Slice(p * pixelBytes, pixelBytes), format.LowBit, codes);
                    for (int c = 0; c < channels; c++) { f[p * channels + c] = scale * (codes[c] - zp); }
                }
                break;
        }
        return f;
    }
}
