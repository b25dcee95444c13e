using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AQD.Edge.Aqd.Tests;

/// <summary>
/// The exported float ONNX is the same network: ONNX Runtime's float outputs agree with the 8-bit
/// model's dequantized outputs (cosine per head output; quantization noise only), found by the
/// blob's tensor names.
/// </summary>
public sealed class OnnxExportTests
{
    [Fact]
    public void OnnxRuntimeFloatOutputsTrackTheEightBitModel()
    {
        var net = BitExactnessTests.Build(AqdFamily.Fcos, 8);
        byte[] onnx = AqdOnnxExporter.Export(net);
        var o = net.Options;
        var bgr = AqdImages.LoadBgr(Path.Combine(AqdImages.FindTestImages(), "person.jpg"), o.InputWidth, o.InputHeight);
        var input = Pixels(bgr, o.InputWidth, o.InputHeight);
        using var session = new InferenceSession(onnx);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("pixels", input)]);
        var sim = FakeQuantSimulation.Run(net, bgr);
        Assert.Equal(net.Outputs.Count, results.Count);
        foreach (var output in net.Outputs)
        {
            var t = output.Tensor;
            var ort = results.Single(r => r.Name == t.Name).AsTensor<float>();
            double dot = 0, nq = 0, nf = 0;
            for (int y = 0; y < t.Height; y++)
            {
                for (int x = 0; x < t.Width; x++)
                {
                    for (int c = 0; c < t.Channels; c++)
                    {
                        double f = ort[0, c, y, x];
                        double q = t.Scale * (sim.Codes[t.Id][(y * t.Width + x) * t.Channels + c] - t.ZeroPoint);
                        dot += f * q;
                        nq += q * q;
                        nf += f * f;
                    }
                }
            }
            double cosine = dot / Math.Sqrt(nq * nf);
            TestContext.Current.TestOutputHelper?.WriteLine($"{t.Name}: cosine(ORT float, 8-bit model) = {cosine:F4}");
            // Random weights through ~40 quantized layers (clips, int8 output ranges): the 8-bit model
            // drifts from the float one (P6/P7 and the 1-channel centerness most), but a wrong export
            // (layout, folding, op) would be uncorrelated. The large maps' cls and box outputs must agree.
            if (output.Level <= 2 && output.Role is "cls" or "box")
            {
                Assert.True(cosine > 0.85, $"{t.Name}: cosine {cosine:F4} between ONNX Runtime's float output and the 8-bit model's.");
            }
        }
    }

    /// <summary>BGR bytes (NHWC) as an exported model's float input [1, 3, H, W]: pixel values minus <paramref name="offset"/>.</summary>
    internal static DenseTensor<float> Pixels(byte[] bgr, int width, int height, int offset = 0)
    {
        var input = new DenseTensor<float>([1, 3, height, width]);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    input[0, c, y, x] = bgr[(y * width + x) * 3 + c] - offset;
                }
            }
        }
        return input;
    }
}
