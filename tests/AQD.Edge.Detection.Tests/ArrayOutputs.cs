using AQD.Edge.Kernels.Detection;

namespace AQD.Edge.Detection.Tests;

/// <summary>Decoder outputs from plain arrays (graph output i = array i).</summary>
internal readonly struct ArrayOutputs(byte[][] outputs) : IDetectionOutputs
{
    public ReadOnlySpan<byte> Output(int index) => outputs[index];
}

/// <summary>Quantization helpers of the tests (float in, bytes out, as a blob's heads produce them).</summary>
internal static class Quant
{
    public static byte[] UInt8(float[] x, double scale, int zeroPoint = 0)
        => [.. x.Select(v => (byte)Math.Clamp(Math.Round(v / scale) + zeroPoint, 0, 255))];

    public static byte[] Int8(float[] x, double scale, int zeroPoint = 0)
        => [.. x.Select(v => (byte)(sbyte)Math.Clamp(Math.Round(v / scale) + zeroPoint, -128, 127))];

    public static float[] DequantUInt8(byte[] q, double scale, int zeroPoint = 0) => [.. q.Select(v => (float)(scale * (v - zeroPoint)))];

    public static float[] DequantInt8(byte[] q, double scale, int zeroPoint = 0) => [.. q.Select(v => (float)(scale * ((sbyte)v - zeroPoint)))];
}
