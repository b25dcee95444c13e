using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Model.Tests;

/// <summary>
/// TensorCodes widens every activation storage back to the values that were written: bytes made by the
/// kernels' own packing (BitPacking per byte-aligned pixel) or little-endian int16, channel counts that leave
/// partial bytes, and short buffers refused with the tensor named.
/// </summary>
public sealed class TensorCodesTests
{
    public static TheoryData<int, int> Formats() => new()
    {
        { (int)ActivationStorage.UInt8, 8 }, { (int)ActivationStorage.Int8, 8 }, { (int)ActivationStorage.Int16, 16 },
        { (int)ActivationStorage.PackedUnsigned, 2 }, { (int)ActivationStorage.PackedUnsigned, 3 }, { (int)ActivationStorage.PackedUnsigned, 4 },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void ReadGivesBackTheWrittenValues(int storage, int bits)
    {
        var format = new ActivationFormat((ActivationStorage)storage, bits, 0);
        var rng = new Random(storage * 31 + bits);
        foreach (int channels in new[] { 1, 2, 3, 5, 7, 8, 9, 17 })
        {
            var t = new GraphTensor(3, "head.out", format, 2, 3, channels);
            int n = 6 * channels;
            var expected = new int[n];
            var bytes = new byte[t.Bytes];
            int pixelBytes = format.PixelBytes(channels);
            for (int p = 0; p < 6; p++)
            {
                var pixel = new byte[channels];
                for (int c = 0; c < channels; c++)
                {
                    int i = p * channels + c;
                    expected[i] = rng.Next(format.Min, format.Max + 1);
                    switch (format.Storage)
                    {
                        case ActivationStorage.UInt8: bytes[i] = (byte)expected[i]; break;
                        case ActivationStorage.Int8: bytes[i] = (byte)(sbyte)expected[i]; break;
                        case ActivationStorage.Int16: BitConverter.TryWriteBytes(bytes.AsSpan(2 * i, 2), (short)expected[i]); break;
                        default: pixel[c] = (byte)expected[i]; break;
                    }
                }
                if (format.Storage == ActivationStorage.PackedUnsigned)
                {
                    BitPacking.Pack(pixel, LowBitFormat.UInt(bits), bytes.AsSpan(p * pixelBytes, pixelBytes));
                }
            }
            Assert.Equal(expected, TensorCodes.Read(bytes, t));
        }
    }

    [Fact]
    public void ShortBufferIsRefusedWithTheTensorNamed()
    {
        var t = new GraphTensor(7, "fcos.cls.p3", ActivationFormat.Int16(), 4, 4, 10);
        var e = Assert.Throws<ArgumentException>(() => TensorCodes.Read(new byte[t.Bytes - 1], t));
        Assert.Contains("fcos.cls.p3", e.Message);
        Assert.Contains($"{t.Bytes - 1} bytes", e.Message);
        Assert.Throws<ArgumentException>(() => TensorCodes.Read(new byte[t.Bytes], t, new int[5]));
    }
}
