using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Aqd.Tests;

/// <summary>Reads the integer values of an engine tensor (NHWC bytes in its ActivationFormat).</summary>
internal static class EngineTensors
{
    public static int[] Values(ReadOnlySpan<byte> bytes, GraphTensor t)
    {
        var f = t.Format;
        int pixels = t.Height * t.Width, c = t.Channels;
        var v = new int[pixels * c];
        switch (f.Storage)
        {
            case ActivationStorage.UInt8:
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = bytes[i];
                }
                break;
            case ActivationStorage.Int8:
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = (sbyte)bytes[i];
                }
                break;
            case ActivationStorage.Int16:
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = (short)(bytes[2 * i] | bytes[2 * i + 1] << 8);
                }
                break;
            default:
                int cb = f.LowBit.ContainerBits, per = 8 / cb, pixelBytes = f.PixelBytes(c), mask = (1 << cb) - 1;
                for (int p = 0; p < pixels; p++)
                {
                    for (int ch = 0; ch < c; ch++)
                    {
                        v[p * c + ch] = (bytes[p * pixelBytes + ch / per] >> (ch % per * cb)) & mask;
                    }
                }
                break;
        }
        return v;
    }
}
