using AQD.Edge.Kernels.LowBit;

namespace AQD.Edge.Kernels.Tests.LowBit;

public class BitPackingTests
{
    public static TheoryData<int, LowBitEncoding> Formats()
    {
        var data = new TheoryData<int, LowBitEncoding>();
        foreach (int bits in new[] { 2, 3, 4, 8 })
        {
            data.Add(bits, LowBitEncoding.Signed);
            data.Add(bits, LowBitEncoding.Unsigned);
            if (bits < 8)
            {
                data.Add(bits, LowBitEncoding.OddLevel);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void RoundTripsEveryLengthAndLevel(int bits, LowBitEncoding encoding)
    {
        var format = new LowBitFormat(bits, encoding);
        int[] levels = Enumerable.Range(format.MinValue, format.MaxValue - format.MinValue + 1).Where(format.IsLevel).ToArray();
        Assert.Equal(encoding == LowBitEncoding.OddLevel ? 1 << bits : 1 << bits, levels.Length);
        var rng = new Random(bits * 10 + (int)encoding);
        for (int n = 0; n <= 67; n++)
        {
            int[] values = Enumerable.Range(0, n).Select(i => levels[(i < levels.Length) ? i : rng.Next(levels.Length)]).ToArray();
            byte[] packed = new byte[format.PackedBytes(n)];
            if (encoding == LowBitEncoding.Unsigned)
            {
                byte[] v = values.Select(x => (byte)x).ToArray();
                BitPacking.Pack(v, format, packed);
                byte[] back = new byte[n];
                BitPacking.Unpack(packed, format, back);
                Assert.Equal(v, back);
            }
            else if (format.MaxValue <= 127)
            {
                sbyte[] v = values.Select(x => (sbyte)x).ToArray();
                BitPacking.Pack(v, format, packed);
                sbyte[] back = new sbyte[n];
                BitPacking.Unpack(packed, format, back);
                Assert.Equal(v, back);
            }
            // Unused high bits of the last byte stay zero.
            if (n % format.PerByte != 0)
            {
                Assert.Equal(0, packed[^1] >> (n % format.PerByte * format.ContainerBits));
            }
        }
    }

    [Fact]
    public void LayoutMatchesOnnxAndTheDocumentedContainers()
    {
        // int4: first element in the low nibble (ONNX); -1 = 0xF, 7 = 0x7.
        byte[] p = new byte[1];
        BitPacking.Pack(new sbyte[] { -1, 7 }, LowBitFormat.Int(4), p);
        Assert.Equal(0x7F, p[0]);
        // int2: first element in bits 0-1: [1, -2, 0, -1] = 01, 10, 00, 11.
        BitPacking.Pack(new sbyte[] { 1, -2, 0, -1 }, LowBitFormat.Int(2), p);
        Assert.Equal(0b11_00_10_01, p[0]);
        // 3-bit lives in 4-bit containers: two per byte.
        Assert.Equal(2, LowBitFormat.UInt(3).PerByte);
        BitPacking.Pack(new byte[] { 5, 7 }, LowBitFormat.UInt(3), p);
        Assert.Equal(0x75, p[0]);
        // Odd-level 2-bit: {-3,-1,1,3} -> codes {0,1,2,3}.
        BitPacking.Pack(new sbyte[] { -3, -1, 1, 3 }, LowBitFormat.Odd(2), p);
        Assert.Equal(0b11_10_01_00, p[0]);
        Assert.Equal(-15, LowBitFormat.Odd(4).Decode(0));
        Assert.Equal(15, LowBitFormat.Odd(4).Decode(15));
    }

    [Fact]
    public void RejectsNonLevelsNamingTheIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => BitPacking.Pack(new sbyte[] { 1, 3, 2 }, LowBitFormat.Odd(2), new byte[1]));
        Assert.Contains("index 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => BitPacking.Pack(new sbyte[] { 8 }, LowBitFormat.Int(4), new byte[1]));
        Assert.Contains("index 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => BitPacking.Pack(new byte[] { 1, 2, 3, 4, 16 }, LowBitFormat.UInt(4), new byte[3]));
        Assert.Contains("index 4", e.Message);
        Assert.Throws<ArgumentException>(() => BitPacking.Pack(new byte[5], LowBitFormat.UInt(2), new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitPacking.Pack(new byte[1], LowBitFormat.UInt(5), new byte[1]));
    }
}
