using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx.Import;
using AQD.Edge.PackModel;
using AQD.Edge.Tools.Tests.FloatImport;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.NanoDet;

/// <summary>
/// The real COCO detector NanoDet-g-416 (float ONNX: 34 Conv, 28 LeakyRelu(0.1), CSP Concats, PAN Adds,
/// 4 linear Resizes (two of them downscaling), 3 Split + Sigmoid + Reshape + Transpose heads) packed at
/// int8 with calibration, run by the integer engine and by ONNX Runtime float on the same 8-bit pixels
/// of each repository photo: each of the six raw head outputs has cosine &gt;= 0.99 (issue #3).
/// </summary>
public class NanoDetTests(NanoDetFixture fx, ITestOutputHelper output) : IClassFixture<NanoDetFixture>
{
    private const double MinCosine = 0.99;
    private const int Size = 416;

    private static readonly string[] OutputNames =
        ["cls_pred_stride_8", "cls_pred_stride_16", "cls_pred_stride_32", "dis_pred_stride_8", "dis_pred_stride_16", "dis_pred_stride_32"];

    private void RequireBlob()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        Assert.True(fx.PackExitCode == PackModelCli.Ok, fx.PackLog);
    }

    [Fact]
    public void EveryRawOutputAgreesWithOnnxRuntimeFloatOnEveryPhoto()
    {
        RequireBlob();
        Assert.Equal(7, fx.Photos.Count);
        using var engine = InferenceEngine.Load(fx.Reader!);
        var graph = engine.Graph;
        var tensors = graph.Outputs.Select(id => graph.Tensors[id]).ToArray();
        Assert.Equal(OutputNames, tensors.Select(t => t.Name));
        var meta = fx.Reader!.Metadata;
        var norm = new InputNormalization([.. meta.Preprocessing.MeanMilli.Select(m => m / 1000f)], [.. meta.Preprocessing.StdMilli.Select(s => s / 1000f)],
            bgr: meta.Preprocessing.ColorOrder == "BGR");

        using var session = new InferenceSession(File.ReadAllBytes(fx.OnnxPath));
        using var ro = new RunOptions();
        var worst = OutputNames.Select(_ => (Cos: 1.0, Sqnr: double.PositiveInfinity, Photo: "")).ToArray();
        var failures = new List<string>();
        output.WriteLine($"{"photo",-14} " + string.Join(" ", OutputNames.Select(n => $"{n,22}")) + "   (cosine / SQNR dB)");
        foreach (var photo in fx.Photos)
        {
            var px = CalibrationImages.LoadHwc(photo, Size, Size, 3);
            engine.Run(norm.Quantize(px));
            using var x = OrtValue.CreateTensorValueFromMemory(norm.ToFloatNchw(px, Size, Size), [1, 3, Size, Size]);
            using var res = session.Run(ro, ["images"], [x], OutputNames);
            var cells = new List<string>();
            for (int o = 0; o < OutputNames.Length; o++)
            {
                var reference = res[o].GetTensorDataAsSpan<float>().ToArray();   // [1, H*W, C]: the NHWC order of the blob tensor
                var ours = Dequantize(engine.Output(o), tensors[o]);
                Assert.Equal(reference.Length, ours.Length);
                var (sqnr, cos) = FloatImportTests.Agreement(reference, ours);
                cells.Add($"{cos,13:F5} / {sqnr,5:F1}");
                if (cos < worst[o].Cos)
                {
                    worst[o] = (cos, sqnr, Path.GetFileName(photo));
                }
                if (!(cos >= MinCosine))
                {
                    failures.Add($"{Path.GetFileName(photo)} {OutputNames[o]}: cosine {cos:F5}, SQNR {sqnr:F1} dB");
                }
            }
            output.WriteLine($"{Path.GetFileName(photo),-14} " + string.Join(" ", cells.Select(c => $"{c,22}")));
        }
        output.WriteLine("worst photo per output:");
        for (int o = 0; o < OutputNames.Length; o++)
        {
            output.WriteLine($"  {OutputNames[o],-20} cosine {worst[o].Cos:F5}, SQNR {worst[o].Sqnr:F1} dB ({worst[o].Photo}); blob tensor {tensors[o].Format}, scale {BitConverter.UInt32BitsToSingle(tensors[o].ScaleBits)}");
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    [Fact]
    public void BlobCarriesNanoDetMetadataAndCleanOutputQuantization()
    {
        RequireBlob();
        var meta = fx.Reader!.Metadata;
        Assert.Equal("nanodet-g-416", meta.Name);
        Assert.Equal(80, meta.Labels.Count);
        Assert.Equal("person", meta.Labels[0]);
        Assert.Equal("toothbrush", meta.Labels[79]);
        Assert.Equal((416, 416, 3), (meta.Input.Width, meta.Input.Height, meta.Input.Channels));
        Assert.Equal("BGR", meta.Preprocessing.ColorOrder);
        Assert.Equal("stretch", meta.Preprocessing.Resize);
        Assert.Equal([103_530, 116_280, 123_675], meta.Preprocessing.MeanMilli);
        Assert.Equal([57_375, 57_120, 58_395], meta.Preprocessing.StdMilli);
        var d = meta.Detector;
        Assert.Equal("nanodet", d.Family);
        Assert.Equal(80, d.NumClasses);
        Assert.Equal([8, 16, 32], d.Strides);
        Assert.Equal(10, d.RegMax);
        Assert.Equal((350, 600, 100), (d.ScoreThresholdPermille, d.IouThresholdPermille, d.MaxDetections));

        var graph = GraphReader.Read(fx.Reader);
        var outs = graph.Outputs.Select(id => graph.Tensors[id]).ToArray();
        int[] grid = [52, 26, 13, 52, 26, 13];
        for (int o = 0; o < 6; o++)
        {
            Assert.Equal((grid[o], grid[o], o < 3 ? 80 : 44), (outs[o].Height, outs[o].Width, outs[o].Channels));
        }
        foreach (var cls in outs[..3])
        {
            Assert.Equal(ActivationFormat.Int16(), cls.Format);   // sigmoid table output: int16, scale 2^-15, zero point 0
            Assert.Equal(1f / 32768, BitConverter.UInt32BitsToSingle(cls.ScaleBits));
        }
        foreach (var dis in outs[3..])
        {
            Assert.Equal(ActivationStorage.UInt8, dis.Format.Storage);   // the box conv part, with its own calibrated scale
            Assert.InRange(BitConverter.UInt32BitsToSingle(dis.ScaleBits), 0.01f, 1f);
        }
        Assert.NotEqual(outs[3].ScaleBits, outs[4].ScaleBits);
        // 34 ONNX convs, the 3 head convs before a Split each emitted as two (cls and box part): 37 Conv2D; 28 with a fused LeakyReLU
        var ops = graph.Ops;
        Assert.Equal(37, ops.Count(op => op.Type == GraphOpType.Conv2D));
        Assert.Equal(28, ops.Count(op => (op.Record.Flags & GraphOpFlags.LeakyRelu) != 0));
        Assert.Equal(3, ops.Count(op => op.Type == GraphOpType.LookupTable));
        Assert.Equal(4, ops.Count(op => op.Type == GraphOpType.ResizeBilinear));
        Assert.Equal(0, ops.Count(op => op.Type == GraphOpType.ChannelSlice));
        foreach (var lut in ops.Where(op => op.Type == GraphOpType.LookupTable))
        {
            // the class logits' range reaches the sigmoid ceiling: confident scores are not capped by calibration
            var logits = graph.Tensors[lut.Inputs[0]];
            double step = BitConverter.UInt32BitsToSingle(logits.ScaleBits), top = (logits.Format.Max - logits.Format.ZeroPoint) * step;
            Assert.True(top >= FloatOnnxPacker.SigmoidInputCeiling - step, $"{lut.Record.Name}: largest logit {top}");   // within the zero point's rounding
            Assert.InRange(lut.Parameters[255], 32440, 32767);   // the largest code maps to a score >= 0.99 (in units of 2^-15)
        }
        output.WriteLine($"blob {fx.Blob.Length:N0} bytes, {ops.Count} ops; float ONNX {new FileInfo(fx.OnnxPath).Length:N0} bytes");
    }

    [Fact]
    public void VerifyPassesOnTheNanoDetBlob()
    {
        RequireBlob();
        var (code, stdout, stderr) = PackModelCliRunner.Run("verify", fx.BlobPath, "--reference", fx.OnnxPath, "--images", fx.ImagesFolder, "--limit", "3");
        output.WriteLine(stdout + stderr);
        Assert.True(code == PackModelCli.Ok, stdout + stderr);
        foreach (var name in OutputNames)
        {
            Assert.Matches($"output '{name}' [0-9x]+: SQNR [0-9.]+ dB, cosine 0\\.99[0-9]+, .*PASS", stdout);
        }
        // every op's output is compared with its ONNX namesake (the LeakyRelu after each conv, the Resizes, the tables)
        Assert.Equal(61, stdout.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^ *[0-9]+  ")));
        Assert.Contains("ResizeBilinear", stdout);
        Assert.Contains("LookupTable", stdout);
        Assert.DoesNotContain("not the file the blob was packed from", stdout);
    }

    /// <summary>Real values of an engine output (uint8, int8 or int16).</summary>
    private static float[] Dequantize(ReadOnlySpan<byte> bytes, GraphTensor t)
    {
        float scale = BitConverter.UInt32BitsToSingle(t.ScaleBits);
        int zp = t.Format.ZeroPoint;
        int n = t.Height * t.Width * t.Channels;
        var f = new float[n];
        var shorts = MemoryMarshal.Cast<byte, short>(bytes);
        for (int i = 0; i < n; i++)
        {
            int q = t.Format.Storage switch
            {
                ActivationStorage.Int16 => shorts[i],
                ActivationStorage.Int8 => (sbyte)bytes[i],
                _ => bytes[i],
            };
            f[i] = scale * (q - zp);
        }
        return f;
    }
}
