using System.Runtime.Intrinsics;

namespace AQD.Edge.Kernels.Tests.IntegerOnly.Samples;

// Deliberately uses floating point in every way the integer-only IL scan must catch; the scanner's
// self-test (FloatIlScannerSelfTests) points the scanner at this namespace and expects each below.
internal static class FloatSample
{
    private static readonly float gain = 0.5f;                                  // field + ldc.r4 in .cctor

    internal static int Scale(int value) => (int)(value * gain * 0.75f);         // conv.r4, ldc.r4

    internal static double Widen(int value) => value;                            // return type, conv.r8

    internal static int Sum(float[] values)                                      // parameter, float local, ldelem.r4
    {
        float sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
        }
        return (int)sum;
    }

    internal static int Root(int value) => (int)Math.Sqrt(value);               // call Math.Sqrt(double)

    internal static unsafe void Store(double* target) => *target = 1;            // ldc.r8, stind.r8

    internal static int Unsigned(uint value) => (int)(value / 3.0);              // conv.r.un

    internal static int Lanes() => Vector128<float>.Count;                       // call on Vector128<float>

    internal static Func<int, int> Lambda() => x => (int)(x * 1.5);              // <>c nested type

    internal static Func<int, int> Closure(int k) => x => (int)(x * (double)k);  // <>c__DisplayClass nested type

    internal static int LocalFunction(int x)                                     // local function: a method of FloatSample
    {
        return Half(x);
        static int Half(int v) => (int)(v * 0.5);
    }

    internal static int AfterSwitch(int selector)                                // ldc.r8 after a switch table
    {
        switch (selector)
        {
            case 0: selector += 7; break;
            case 1: selector -= 3; break;
            case 2: selector *= 5; break;
            case 3: selector ^= 9; break;
            case 4: selector <<= 2; break;
        }
        return (int)(selector * 2.5);
    }
}
