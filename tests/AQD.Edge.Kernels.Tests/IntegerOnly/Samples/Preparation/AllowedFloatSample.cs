namespace AQD.Edge.Kernels.Tests.IntegerOnly.Samples.Preparation;

// Floating point is allowed in a Preparation namespace: the scanner must exclude this type.
internal static class AllowedFloatSample
{
    internal static int Quantize(double scale, int value) => (int)Math.Round(value * scale, MidpointRounding.AwayFromZero);

    internal static Func<float, int> Lambda() => x => (int)(x * 0.25f);
}
