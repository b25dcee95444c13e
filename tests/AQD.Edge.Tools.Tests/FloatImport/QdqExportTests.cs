using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// QdqOnnxExporter: the QDQ model carries the blob's calibrated activation quantization, ONNX
/// Runtime fuses it into its int8 operators, and it computes what our engine computes on the blob.
/// </summary>
public class QdqExportTests(ITestOutputHelper output)
{
    private static readonly InputNormalization Norm = new([123.675f, 116.28f, 103.53f], [58.395f, 57.12f, 57.375f]);

    private static (byte[] Blob, FloatPackResult Packed, ModelProto Qdq) Export()
    {
        var onnx = FloatImportTests.ResNetLike();
        var packed = FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = CalibrationImages.List(FloatImportTests.ImageFolder()), Normalization = Norm });
        var blob = packed.Packed.Blob;
        var qdq = QdqOnnxExporter.Export(FloatOnnxGraph.Parse(onnx, "resnetlike"), GraphReader.Read(BlobReader.Open(blob, "resnetlike")));
        return (blob, packed, ModelProto.Parser.ParseFrom(qdq));
    }

    [Fact]
    public void EveryQuantizedActivationGetsTheBlobsScaleAndZeroPoint()
    {
        var (blob, _, qdq) = Export();
        var graph = GraphReader.Read(BlobReader.Open(blob, "resnetlike"));
        var init = qdq.Graph.Initializer.ToDictionary(t => t.Name);
        var quantize = qdq.Graph.Node.Where(n => n.OpType == "QuantizeLinear").ToList();
        var named = graph.Tensors.Where(t => t.Name is not null).ToDictionary(t => t.Name!);
        Assert.Equal(named.Count, quantize.Count);
        foreach (var q in quantize)
        {
            var t = named[q.Input[0]];
            Assert.Equal(BitConverter.UInt32BitsToSingle(t.ScaleBits), OnnxTensorData.Floats(init[q.Input[1]])[0]);
            Assert.Equal(t.Format.ZeroPoint, (int)OnnxTensorData.Integers(init[q.Input[2]])[0]);
        }
        Assert.Contains(qdq.OpsetImport, o => o.Domain.Length == 0 && o.Version >= 13);
        foreach (var conv in qdq.Graph.Node.Where(n => n.OpType == "Conv"))
        {
            var w = qdq.Graph.Node.Single(n => n.Output[0] == conv.Input[1]);
            Assert.Equal("DequantizeLinear", w.OpType);
            Assert.Equal((int)TensorProto.Types.DataType.Int8, init[w.Input[0]].DataType);
            Assert.Equal(0, w.Attribute.Single(a => a.Name == "axis").I);
        }
    }

    [Fact]
    public void OnnxRuntimeFusesItIntoQLinearConvAndComputesWhatOurEngineComputes()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        var (blob, packed, qdq) = Export();
        string optimized = Path.Combine(Path.GetTempPath(), $"aqd-qdq-{Environment.ProcessId}.onnx");
        try
        {
            using var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimized };
            using var session = new InferenceSession(qdq.ToByteArray(), so);
            var ops = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node.Select(n => n.OpType).ToList();
            output.WriteLine("optimized ops: " + string.Join(" ", ops.Distinct()));
            Assert.Contains("QLinearConv", ops);
            Assert.DoesNotContain("Conv", ops);

            using var engine = InferenceEngine.Load(BlobReader.Open(blob, "resnetlike"));
            var names = session.OutputMetadata.Keys.ToList();
            foreach (var img in CalibrationImages.List(FloatImportTests.ImageFolder()))
            {
                var px = CalibrationImages.LoadHwc(img, 40, 48, 3);
                engine.Run(packed.Input.Quantize(px));
                using var x = OrtValue.CreateTensorValueFromMemory(Norm.ToFloatNchw(px, 48, 40), [1, 3, 48, 40]);
                using var ro = new RunOptions();
                using var res = session.Run(ro, [session.InputMetadata.Keys.Single()], [x], names);
                for (int o = 0; o < names.Count; o++)
                {
                    var q = packed.Outputs[o];
                    var ort = OnnxLayout.ChwToHwc<float>(res[o].GetTensorDataAsSpan<float>().ToArray(), q.Height, q.Width, q.Channels);
                    var ours = engine.Output(o).ToArray().Select(v => q.Scale * (v - q.ZeroPoint)).ToArray();
                    var (sqnr, cos) = FloatImportTests.Agreement(ort, ours);
                    output.WriteLine($"{Path.GetFileName(img)} output {o}: ORT int8 vs ours SQNR {sqnr:F1} dB, cosine {cos:F5}");
                    Assert.True(cos > 0.999, $"{img} output {o}: cosine {cos:F5}");
                }
            }
        }
        finally
        {
            File.Delete(optimized);
        }
    }
}
