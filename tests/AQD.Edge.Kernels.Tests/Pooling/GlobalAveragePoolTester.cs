using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Pooling;

/// <summary>Fluent tester of the global average pool: variants vs the scalar twin, the twin vs a naive loop.</summary>
public sealed class GlobalAveragePoolTester
{
    private int batch = 1, height = 3, width = 3, channels = 8;
    private ActivationFormat input = ActivationFormat.UInt8(0), output = ActivationFormat.UInt8(0);
    private double scaleIn = 0.1, scaleOut = 0.1;
    private bool relu;
    private int seed = 1;

    public GlobalAveragePoolTester Batch(int n) { batch = n; return this; }
    public GlobalAveragePoolTester Size(int h, int w) { height = h; width = w; return this; }
    public GlobalAveragePoolTester Channels(int c) { channels = c; return this; }
    public GlobalAveragePoolTester Input(ActivationFormat f, double scale) { input = f; scaleIn = scale; return this; }
    public GlobalAveragePoolTester Output(ActivationFormat f, double scale) { output = f; scaleOut = scale; return this; }
    public GlobalAveragePoolTester Relu(bool value = true) { relu = value; return this; }
    public GlobalAveragePoolTester Seed(int s) { seed = s; return this; }

    public void Test(GlobalAveragePoolVariant variant)
    {
        switch (input.Storage, output.Storage)
        {
            case (ActivationStorage.UInt8, ActivationStorage.UInt8): Run<byte, byte>(variant); break;
            case (ActivationStorage.Int8, ActivationStorage.Int8): Run<sbyte, sbyte>(variant); break;
            case (ActivationStorage.UInt8, ActivationStorage.Int8): Run<byte, sbyte>(variant); break;
            default: Run<sbyte, byte>(variant); break;
        }
    }

    private void Run<TI, TO>(GlobalAveragePoolVariant variant) where TI : unmanaged where TO : unmanaged
    {
        var p = GlobalAveragePoolPreparation.Prepare(batch, height, width, channels, input, scaleIn, output, scaleOut, relu);
        var rng = new Random(seed);
        TI[] x = VariantSweep.RandomElements<TI>(rng, batch * height * width * channels, input.Min, input.Max);
        var expected = new TO[batch * channels];
        GlobalAveragePoolKernels.Scalar.Run(p, x, expected.AsSpan());
        string shape = $"N={batch} H={height} W={width} C={channels} in={input}*{scaleIn} out={output}*{scaleOut} relu={relu} M={p.Multiplier} seed={seed}";
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                long sum = 0;
                for (int i = 0; i < height * width; i++)
                {
                    sum += VariantSweep.Int(x[(n * height * width + i) * channels + c]) - input.ZeroPoint;
                }
                int want = Requantization.Requantize(checked((int)sum), p.Multiplier, p.Range);
                int got = VariantSweep.Int(expected[n * channels + c]);
                if (want != got) { Assert.Fail($"scalar vs naive: index {n * channels + c}: naive {want}, scalar {got}; {shape}"); }
            }
        }
        var actual = new TO[batch * channels];
        variant.Run(p, x, actual.AsSpan());
        for (int i = 0; i < actual.Length; i++)
        {
            if (VariantSweep.Int(expected[i]) != VariantSweep.Int(actual[i])) { Assert.Fail($"{variant.Name}: index {i} (n={i / channels} c={i % channels}): scalar {VariantSweep.Int(expected[i])}, variant {VariantSweep.Int(actual[i])}; {shape}"); }
        }
    }
}
