using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Elementwise;

/// <summary>Fluent tester of the quantized Add: every variant against the scalar twin, bit for bit.</summary>
public sealed class QuantizedAddTester
{
    private ActivationFormat a = ActivationFormat.UInt8(128), b = ActivationFormat.UInt8(128), o = ActivationFormat.UInt8(128);
    private double scaleA = 0.05, scaleB = 0.05, scaleOut = 0.1;
    private bool relu;
    private int length = 16;
    private int seed = 1;
    private bool inPlace;

    public QuantizedAddTester InputA(ActivationFormat f, double scale) { a = f; scaleA = scale; return this; }
    public QuantizedAddTester InputB(ActivationFormat f, double scale) { b = f; scaleB = scale; return this; }
    public QuantizedAddTester Output(ActivationFormat f, double scale) { o = f; scaleOut = scale; return this; }
    public QuantizedAddTester Relu(bool value = true) { relu = value; return this; }
    public QuantizedAddTester Length(int n) { length = n; return this; }
    public QuantizedAddTester Seed(int s) { seed = s; return this; }
    /// <summary>Writes the output over input A (same element type required).</summary>
    public QuantizedAddTester InPlace(bool value = true) { inPlace = value; return this; }

    public QuantizedAddParams Prepare() => QuantizedAddPreparation.Prepare(a, scaleA, b, scaleB, o, scaleOut, relu, length);

    private string Describe(QuantizedAddParams p) =>
        $"length={length} a={a}*{scaleA} b={b}*{scaleB} out={o}*{scaleOut} relu={relu} L={p.LeftShift} " +
        $"Ma={p.MultiplierA} Mb={p.MultiplierB} Mo={p.MultiplierOut} inPlace={inPlace} seed={seed}";

    /// <summary>Compares <paramref name="variant"/> with the scalar twin.</summary>
    public void Test(QuantizedAddVariant variant) => Dispatch(variant, pinReference: false);

    /// <summary>Pins the scalar twin against an Int128 evaluation of the formula.</summary>
    public void TestReferenceFormula() => Dispatch(QuantizedAddKernels.Scalar, pinReference: true);

    private void Dispatch(QuantizedAddVariant v, bool pinReference)
    {
        switch (a.Storage, b.Storage, o.Storage)
        {
            case (ActivationStorage.UInt8, ActivationStorage.UInt8, ActivationStorage.UInt8): Run<byte, byte, byte>(v, pinReference); break;
            case (ActivationStorage.Int8, ActivationStorage.Int8, ActivationStorage.Int8): Run<sbyte, sbyte, sbyte>(v, pinReference); break;
            case (ActivationStorage.Int16, ActivationStorage.Int16, ActivationStorage.Int16): Run<short, short, short>(v, pinReference); break;
            case (ActivationStorage.Int16, ActivationStorage.Int8, ActivationStorage.Int16): Run<short, sbyte, short>(v, pinReference); break;
            case (ActivationStorage.Int16, ActivationStorage.UInt8, ActivationStorage.Int16): Run<short, byte, short>(v, pinReference); break;
            case (ActivationStorage.UInt8, ActivationStorage.Int8, ActivationStorage.Int16): Run<byte, sbyte, short>(v, pinReference); break;
            case (ActivationStorage.Int16, ActivationStorage.Int16, ActivationStorage.Int8): Run<short, short, sbyte>(v, pinReference); break;
            case (ActivationStorage.Int8, ActivationStorage.UInt8, ActivationStorage.UInt8): Run<sbyte, byte, byte>(v, pinReference); break;
            default: throw new NotSupportedException($"tester has no instantiation for {a}, {b}, {o}");
        }
    }

    private void Run<TA, TB, TO>(QuantizedAddVariant variant, bool pinReference)
        where TA : unmanaged where TB : unmanaged where TO : unmanaged
    {
        var p = Prepare();
        var rng = new Random(seed);
        TA[] xa = VariantSweep.RandomElements<TA>(rng, length, a.Min, a.Max);
        TB[] xb = VariantSweep.RandomElements<TB>(rng, length, b.Min, b.Max);
        if (length > 4)
        {
            // zero points and their neighbours somewhere in the middle
            xa[length / 2] = ElementIo.FromInt<TA>(a.ZeroPoint);
            xb[length / 2] = ElementIo.FromInt<TB>(b.ZeroPoint);
        }
        var expected = new TO[length];
        QuantizedAddKernels.Scalar.Run(p, xa, xb, expected.AsSpan());
        if (pinReference)
        {
            for (int i = 0; i < length; i++)
            {
                int want = Formula(p, VariantSweep.Int(xa[i]), VariantSweep.Int(xb[i]));
                int got = VariantSweep.Int(expected[i]);
                if (want != got) { Assert.Fail($"scalar vs Int128 formula: index {i}, a={VariantSweep.Int(xa[i])} b={VariantSweep.Int(xb[i])}: formula {want}, scalar {got}; {Describe(p)}"); }
            }
            return;
        }
        TO[] actual;
        if (inPlace && typeof(TA) == typeof(TO))
        {
            var buffer = (TA[])xa.Clone();
            variant.Run(p, buffer, xb, System.Runtime.InteropServices.MemoryMarshal.Cast<TA, TO>(buffer.AsSpan()));
            actual = (TO[])(object)buffer;
        }
        else
        {
            actual = new TO[length];
            variant.Run(p, xa, xb, actual.AsSpan());
        }
        for (int i = 0; i < length; i++)
        {
            int want = VariantSweep.Int(expected[i]), got = VariantSweep.Int(actual[i]);
            if (want != got) { Assert.Fail($"{variant.Name}: index {i}, a={VariantSweep.Int(xa[i])} b={VariantSweep.Int(xb[i])}: scalar {want}, variant {got}; {Describe(p)}"); }
        }
    }

    /// <summary>The Add written from the formula with Int128 arithmetic and floor division.</summary>
    private static int Formula(QuantizedAddParams p, int xa, int xb)
    {
        static Int128 Round(Int128 x, int m, int n) => (x * m + (Int128.One << (n - 1))) >> n; // >> on Int128 is floor
        Int128 sa = Round((Int128)(xa - p.A.ZeroPoint) << p.LeftShift, p.MultiplierA.Multiplier, p.MultiplierA.Shift);
        Int128 sb = Round((Int128)(xb - p.B.ZeroPoint) << p.LeftShift, p.MultiplierB.Multiplier, p.MultiplierB.Shift);
        Int128 v = Round(sa + sb, p.MultiplierOut.Multiplier, p.MultiplierOut.Shift) + p.Range.ZeroPoint;
        return (int)Int128.Clamp(v, p.Range.Min, p.Range.Max);
    }
}
