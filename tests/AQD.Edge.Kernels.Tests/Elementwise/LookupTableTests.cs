using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.Elementwise;

public class LookupTableTests
{
    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    public static TheoryData<string, string> Formats() => new()
    {
        { "u8", "u8" }, { "u8", "i8" }, { "i8", "u8" }, { "i8", "i8" },
    };

    private static ActivationFormat Parse(string f, int zp) => f == "u8" ? ActivationFormat.UInt8(zp) : ActivationFormat.Int8(zp);

    [Theory]
    [MemberData(nameof(Formats))]
    public void SigmoidWithinOneLsbOfFloat(string fin, string fout)
    {
        var input = Parse(fin, fin == "u8" ? 131 : 3);
        var output = fout == "u8" ? ActivationFormat.UInt8(0) : ActivationFormat.Int8(-128);
        const double sIn = 0.07, sOut = 1.0 / 256;
        var t = LookupTablePreparation.Sigmoid(input, sIn, output, sOut);
        var codes = Enumerable.Range(input.Min, 256).ToArray();
        var inBytes = codes.Select(q => (byte)q).ToArray();
        var outBytes = new byte[256];
        RunBytes(t, inBytes, outBytes);
        for (int i = 0; i < 256; i++)
        {
            int q = codes[i];
            int o = output.Storage == ActivationStorage.Int8 ? (sbyte)outBytes[i] : outBytes[i];
            double real = Sigmoid(sIn * (q - input.ZeroPoint));
            double code = Math.Clamp(real / sOut + output.ZeroPoint, output.Min, output.Max);
            Assert.True(Math.Abs(o - code) <= 1.0, $"{fin}->{fout}: input code {q}: out {o}, float {code}");
        }
    }

    /// <summary>Runs the scalar variant on raw bytes with the element types the table's formats need.</summary>
    private static void RunBytes(LookupTable t, byte[] input, byte[] output)
    {
        var v = LookupTableKernels.Scalar;
        bool si = t.Input.Storage == ActivationStorage.Int8, so = t.Output.Storage == ActivationStorage.Int8;
        var i8 = MemoryMarshal.Cast<byte, sbyte>(input);
        var o8 = MemoryMarshal.Cast<byte, sbyte>(output.AsSpan());
        switch (si, so)
        {
            case (false, false): v.Run<byte, byte>(t, input, output); break;
            case (false, true): v.Run<byte, sbyte>(t, input, o8); break;
            case (true, false): v.Run<sbyte, byte>(t, i8, output); break;
            default: v.Run<sbyte, sbyte>(t, i8, o8); break;
        }
    }

    [Fact]
    public void IndexesTheTableExactly()
    {
        var rng = new Random(3);
        var entries = new byte[256];
        rng.NextBytes(entries);
        foreach (var (fin, fout) in new[] { ("u8", "u8"), ("i8", "i8"), ("u8", "i8"), ("i8", "u8") })
        {
            var input = Parse(fin, 0);
            var output = Parse(fout, 0);
            var t = new LookupTable(input, output, entries);
            var data = new byte[1000 + rng.Next(7)];
            rng.NextBytes(data);
            var result = new byte[data.Length];
            RunBytes(t, data, result);
            for (int i = 0; i < data.Length; i++)
            {
                int index = fin == "i8" ? (sbyte)data[i] + 128 : data[i];
                Assert.True(entries[index] == result[i], $"{fin}->{fout} element {i}: in {data[i]}, out {result[i]}, table[{index}] = {entries[index]}");
            }
        }
    }

    [Fact]
    public void RunsInPlaceAndThroughTheDispatchedEntry()
    {
        var entries = Enumerable.Range(0, 256).Select(k => (byte)(255 - k)).ToArray();
        var t = new LookupTable(ActivationFormat.Int8(0), ActivationFormat.Int8(0), entries);
        sbyte[] data = [-128, -1, 0, 1, 127];
        LookupTableKernels.Run<sbyte, sbyte>(t, data, data);
        Assert.Equal(new sbyte[] { -1, -128, 127, 126, 0 }, data); // table[q + 128] = 127 - q
        Assert.Equal(KernelIsa.Scalar, LookupTableKernels.Selected.Isa);
    }

    [Fact]
    public void Int16OutputGathersValues()
    {
        var rng = new Random(5);
        var values = Enumerable.Range(0, 256).Select(_ => rng.Next(short.MinValue, short.MaxValue + 1)).ToArray();
        foreach (var fin in new[] { "u8", "i8" })
        {
            var t = LookupTable.FromValues(Parse(fin, 0), ActivationFormat.Int16(), values);
            var data = new byte[517];
            rng.NextBytes(data);
            var result = new short[data.Length];
            if (fin == "u8")
            {
                LookupTableKernels.Scalar.Run<byte, short>(t, data, result);
            }
            else
            {
                LookupTableKernels.Scalar.Run<sbyte, short>(t, MemoryMarshal.Cast<byte, sbyte>(data.AsSpan()), result);
            }
            for (int i = 0; i < data.Length; i++)
            {
                int index = fin == "i8" ? (sbyte)data[i] + 128 : data[i];
                Assert.True(values[index] == result[i], $"{fin}->i16 element {i}: in {data[i]}, out {result[i]}, values[{index}] = {values[index]}");
                Assert.Equal(values[index], t.Value(index));
            }
        }
    }

    [Fact]
    public void Int16SigmoidWithinHalfLsbOfFloat()
    {
        var input = ActivationFormat.UInt8(140);
        const double sIn = 0.09, sOut = 1.0 / 32768;
        var t = LookupTablePreparation.Sigmoid(input, sIn, ActivationFormat.Int16(), sOut);
        for (int q = 0; q < 256; q++)
        {
            double code = Math.Min(Sigmoid(sIn * (q - input.ZeroPoint)) / sOut, short.MaxValue);
            Assert.True(Math.Abs(t.WideEntries[q] - code) <= 0.5, $"input code {q}: out {t.WideEntries[q]}, float {code}");
        }
        Assert.True(t.Entries.IsEmpty);
    }

    [Fact]
    public void ValidatesAtPreparation()
    {
        Assert.Throws<ArgumentException>(() => new LookupTable(ActivationFormat.UInt8(0), ActivationFormat.UInt8(0), new byte[255]));
        Assert.Throws<ArgumentException>(() => new LookupTable(ActivationFormat.Int16(), ActivationFormat.UInt8(0), new byte[256]));
        Assert.Throws<ArgumentException>(() => new LookupTable(ActivationFormat.UInt8(0), ActivationFormat.Unsigned(4), new byte[256]));
        Assert.Throws<ArgumentException>(() => new LookupTable(ActivationFormat.UInt8(0), ActivationFormat.Int16(), new byte[256]));
        Assert.Throws<ArgumentException>(() => LookupTable.FromValues(ActivationFormat.UInt8(0), ActivationFormat.UInt8(0), [.. Enumerable.Repeat(256, 256)]));
        Assert.Throws<ArgumentException>(() => LookupTable.FromValues(ActivationFormat.UInt8(0), ActivationFormat.Int8(0), [.. Enumerable.Repeat(-129, 256)]));
        Assert.Throws<ArgumentException>(() => LookupTable.FromValues(ActivationFormat.UInt8(0), ActivationFormat.Int16(), new int[255]));
        Assert.Throws<ArgumentException>(() => LookupTable.FromValues(ActivationFormat.Int16(), ActivationFormat.Int16(), new int[256]));
        Assert.Throws<ArgumentException>(() => LookupTablePreparation.Sigmoid(ActivationFormat.UInt8(0), 0, ActivationFormat.UInt8(0), 1));
        Assert.Throws<ArgumentException>(() => LookupTablePreparation.FromFunction(_ => double.NaN, ActivationFormat.UInt8(0), 1,
            ActivationFormat.UInt8(0), 1));
        var t = new LookupTable(ActivationFormat.UInt8(0), ActivationFormat.UInt8(0), new byte[256]);
        Assert.Throws<ArgumentException>(() => LookupTableKernels.Run<sbyte, byte>(t, new sbyte[1], new byte[1]));
        Assert.Throws<ArgumentException>(() => LookupTableKernels.Run<byte, byte>(t, new byte[2], new byte[1]));
    }
}
