using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// <see cref="EmpiricalBiasCorrection"/> (pack --bias-correction empirical) on the ResNet-like float net: the
/// integer model's per-channel mean error against ONNX Runtime float shrinks on the calibration photos, the
/// agreement stays; the waves respect the graph's order; low-bit policies are refused naming the option's limit.
/// </summary>
public class BiasCorrectionTests(ITestOutputHelper output)
{
    private static readonly InputNormalization Norm = FloatImportTests.ImageNetNormalization;

    [Fact]
    public void EmpiricalCorrectionShrinksTheOutputsChannelMeanErrorAndKeepsAgreement()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        var onnx = FloatImportTests.ResNetLike();
        var images = CalibrationImages.List(FloatImportTests.ImageFolder());
        var stats = Calibrator.Collect(FloatOnnxGraph.Parse(onnx, "resnetlike.onnx"), images, Norm);
        var plain = FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = images, Normalization = Norm, Statistics = stats });
        int waves = 0;
        var corrected = FloatOnnxPacker.Pack(onnx, new FloatPackOptions
        {
            Images = images, Normalization = Norm, Statistics = stats, BiasCorrection = BiasCorrection.Empirical,
            BiasCorrectionProgress = (i, n) => waves = n,
        });
        Assert.True(waves > 1);
        Assert.Contains(corrected.Packed.Notes, n => n.Contains("empirical bias correction", StringComparison.Ordinal));
        Assert.NotEqual(plain.Packed.Blob, corrected.Packed.Blob);
        var (plainBias, plainCos) = MeanErrors(onnx, plain, images);
        var (fixedBias, fixedCos) = MeanErrors(onnx, corrected, images);
        output.WriteLine($"feature map: mean |channel mean error| {plainBias:F5} -> {fixedBias:F5} (in output steps {plainBias / plain.Outputs[0].Scale:F3} -> {fixedBias / corrected.Outputs[0].Scale:F3}); worst cosine {plainCos:F5} -> {fixedCos:F5}");
        Assert.True(fixedBias < 0.7 * plainBias, $"mean |channel mean error| {plainBias} -> {fixedBias}");
        Assert.True(fixedCos > 0.999 && fixedCos >= plainCos - 1e-4, $"worst cosine {plainCos} -> {fixedCos}");
    }

    /// <summary>Mean over channels of |mean over photos and pixels of (engine - float)| of output 0, and its worst cosine.</summary>
    private static (double Bias, double WorstCosine) MeanErrors(byte[] onnx, FloatPackResult packed, IReadOnlyList<string> images)
    {
        using var engine = InferenceEngine.Load(BlobReader.Open(packed.Packed.Blob, "net"));
        using var session = new InferenceSession(onnx);
        using var ro = new RunOptions();
        var q = packed.Outputs[0];
        var sums = new double[q.Channels];
        double worst = 1;
        foreach (var img in images)
        {
            var px = CalibrationImages.LoadHwc(img, 40, 48, 3);
            engine.Run(Norm.Quantize(px));
            using var x = OrtValue.CreateTensorValueFromMemory(Norm.ToFloatNchw(px, 48, 40), [1, 3, 48, 40]);
            using var res = session.Run(ro, [session.InputMetadata.Keys.Single()], [x], [session.OutputMetadata.Keys.First()]);
            var reference = OnnxLayout.ChwToHwc<float>(res[0].GetTensorDataAsSpan<float>().ToArray(), q.Height, q.Width, q.Channels);
            var ours = engine.Output(0).ToArray().Select(v => q.Scale * (v - q.ZeroPoint)).ToArray();
            for (int i = 0; i < ours.Length; i++) { sums[i % q.Channels] += ours[i] - reference[i]; }
            worst = Math.Min(worst, FloatImportTests.Agreement(reference, ours).Cosine);
        }
        double n = images.Count * q.Height * q.Width;
        return (sums.Average(s => Math.Abs(s / n)), worst);
    }

    [Fact]
    public void WavesHoldEveryConvOnceAfterTheConvsItReads()
    {
        var graph = FloatOnnxGraph.Parse(FloatImportTests.ResNetLike(), "resnetlike.onnx");
        var waves = EmpiricalBiasCorrection.Waves(graph);
        var convs = graph.Layers.Where(l => l.Kind == FloatLayerKind.Conv).ToList();
        Assert.Equal(convs.Count, waves.Sum(w => w.Count));
        Assert.Equal(convs.Count, waves.SelectMany(w => w).Distinct().Count());
        var wave = waves.SelectMany((w, i) => w.Select(l => (l.Output, i))).ToDictionary(p => p.Output, p => p.i);
        var producer = graph.Layers.ToDictionary(l => l.Output);
        foreach (var l in convs)
        {
            // every conv reachable backwards through non-conv ops sits in an earlier wave
            var stack = new Stack<string>(l.Inputs);
            while (stack.TryPop(out var t))
            {
                if (!producer.TryGetValue(t, out var p)) { continue; }
                if (p.Kind == FloatLayerKind.Conv) { Assert.True(wave[p.Output] < wave[l.Output], $"{p.Output} before {l.Output}"); }
                else { foreach (var i in p.Inputs) { stack.Push(i); } }
            }
        }
        Assert.True(waves.Count > 1);
    }

    [Fact]
    public void LowBitPoliciesAreRefused()
    {
        var images = CalibrationImages.List(FloatImportTests.ImageFolder());
        var e = Assert.Throws<OnnxImportException>(() => FloatOnnxPacker.Pack(FloatImportTests.ResNetLike(),
            new FloatPackOptions { Images = images, Normalization = Norm, Bits = "M4F8L8", BiasCorrection = BiasCorrection.Empirical }));
        Assert.Contains("8-bit policies", e.Message);
    }
}
