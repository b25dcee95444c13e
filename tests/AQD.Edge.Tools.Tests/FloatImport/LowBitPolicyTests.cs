using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Tools.Tests.FloatImport;

/// <summary>
/// Low-bit float policies on the small ResNet-like network: which convs go b-bit, where Requantize
/// ops appear, which tensors are packed, the metadata, and agreement with ONNX Runtime float.
/// </summary>
public class LowBitPolicyTests(ITestOutputHelper output)
{
    [Fact]
    public void WeightQuantizerPicksPerChannelClipsAndTheBetterGrid()
    {
        var rng = new Random(4);
        // two channels of Gaussian-ish weights, the second 10x larger with one outlier
        var w = new float[2 * 72];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)((rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5) * (i < 72 ? 0.1 : 1));
        }
        w[100] = 6;
        foreach (int bits in new[] { 2, 3, 4 })
        {
            var q = LowBitWeightQuantizer.Quantize(w, 2, bits);
            Assert.Equal(bits, q.Format.Bits);
            Assert.True(q.Values.All(v => q.Format.IsLevel((int)v)), $"{bits} bits: a value is not a level of {q.Format}");
            Assert.True(q.Scales[1] > 5 * q.Scales[0], "per-channel scales");
            int max = q.Format.Encoding == LowBitEncoding.OddLevel ? (1 << bits) - 1 : (1 << (bits - 1)) - 1;
            if (bits > 2)
            {
                // (at 2 bits the ternary grid with clip = the outlier is MSE-optimal: every other weight rounds to 0)
                Assert.True(q.Scales[1] * max < 6, $"{bits} bits: the outlier channel is not clipped (clip {q.Scales[1] * max})");
            }
            var other = LowBitWeightQuantizer.Quantize(w, 2, bits);
            Assert.Equal(q.Values, other.Values);   // deterministic
            output.WriteLine($"{bits} bits: {q.Format}, scales {q.Scales[0]:G3} {q.Scales[1]:G3}, MSE {q.MeanSquaredError:E3}");
        }
        var int8 = LowBitWeightQuantizer.Quantize(w, 2, 8);
        Assert.Equal(LowBitFormat.Int(8), int8.Format);
        Assert.Equal(6f / 127, int8.Scales[1], 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => LowBitWeightQuantizer.Quantize(w, 2, 5));
    }

    [Theory]
    [InlineData("M4F8L8", 0.95)]
    [InlineData("M2F8L8", 0.5)]
    public void ResNetLikeAtLowBitHasPackedTensorsRequantizeOpsAndAgreesWithOnnxRuntime(string bits, double minCosine)
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64, "ONNX Runtime cross-checks run on x64 only.");
        var onnx = FloatImportTests.ResNetLike();
        var images = CalibrationImages.List(FloatImportTests.ImageFolder());
        var norm = FloatImportTests.ImageNetNormalization;
        var result = FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = images, Normalization = norm, Bits = bits });
        foreach (var note in result.Packed.Notes) { output.WriteLine(note); }
        var reader = BlobReader.Open(result.Packed.Blob, "resnetlike");
        var graph = GraphReader.Read(reader);
        int b = bits[1] - '0';
        var convs = graph.Ops.Where(o => o.Type == GraphOpType.Conv2D).ToList();
        Assert.Equal(7, convs.Count);
        // first conv (reads the input) and last conv (the 1x1 before the GAP) stay int8; the rest are b-bit
        Assert.Equal(LowBitFormat.Int(8), convs[0].Record.Weights!.Value.Format);
        Assert.Equal(LowBitFormat.Int(8), convs[^1].Record.Weights!.Value.Format);
        Assert.All(convs.Skip(1).SkipLast(1), c => Assert.Equal(b, c.Record.Weights!.Value.Format.Bits));
        // the 8-bit tensors feeding b-bit convs are requantized; conv -> conv links are written packed
        var requantize = graph.Ops.Where(o => o.Type == GraphOpType.Requantize).ToList();
        Assert.NotEmpty(requantize);
        Assert.All(requantize, r => Assert.Equal(ActivationFormat.Packed(b), graph.Tensors[r.Outputs[0]].Format));
        Assert.Contains(convs, c => graph.Tensors[c.Outputs[0]].Format == ActivationFormat.Packed(b));
        // every middle conv reads a packed b-bit input (all of them follow a ReLU here)
        Assert.All(convs.Skip(1).SkipLast(1), c => Assert.Equal(ActivationFormat.Packed(b), graph.Tensors[c.Inputs[0]].Format));
        var meta = reader.Metadata.BitPolicy;
        Assert.Equal(bits, meta.Shorthand);
        Assert.Equal(b, meta.WeightBits);
        Assert.Equal(2, meta.Layers!.Count);
        Assert.All(meta.Layers, l => Assert.Equal(8, l.WeightBits));

        using var engine = InferenceEngine.Load(reader);
        using var session = new InferenceSession(onnx);
        var names = session.OutputMetadata.Keys.ToList();
        foreach (var img in images)
        {
            var px = CalibrationImages.LoadHwc(img, 40, 48, 3);
            engine.Run(norm.Quantize(px));
            using var x = OrtValue.CreateTensorValueFromMemory(norm.ToFloatNchw(px, 48, 40), [1, 3, 48, 40]);
            using var ro = new RunOptions();
            using var res = session.Run(ro, [session.InputMetadata.Keys.Single()], [x], names);
            for (int o = 0; o < names.Count; o++)
            {
                var q = result.Outputs[o];
                var reference = OnnxLayout.ChwToHwc<float>(res[o].GetTensorDataAsSpan<float>().ToArray(), q.Height, q.Width, q.Channels);
                var ours = engine.Output(o).ToArray().Select(v => q.Scale * (v - q.ZeroPoint)).ToArray();
                var (sqnr, cos) = FloatImportTests.Agreement(reference, ours);
                output.WriteLine($"{bits} {Path.GetFileName(img)} output '{names[o]}': SQNR {sqnr:F1} dB, cosine {cos:F5}");
                Assert.True(cos > minCosine, $"{bits} {img} output {names[o]}: cosine {cos:F5} <= {minCosine}");
            }
        }
    }

    [Fact]
    public void PerLayerOverridesSetOneConvsWidthAndUnknownNamesAreListed()
    {
        Assert.Equal("M4F8L8,a.b=2,c=8", BitPolicy.Parse("M4F8L8,a.b=2,c=8").ToString());
        Assert.Equal(new Dictionary<string, int> { ["a.b"] = 2, ["c"] = 8 }, BitPolicy.Parse("M4F8L8,a.b=2,c=8").Overrides);
        Assert.False(BitPolicy.Parse("8,x=4").IsInt8);
        Assert.True(BitPolicy.Parse("8,x=8").IsInt8);
        Assert.Contains("'x=5'", Assert.Throws<OnnxImportException>(() => BitPolicy.Parse("M4F8L8,x=5")).Message);
        Assert.Contains("'=2'", Assert.Throws<OnnxImportException>(() => BitPolicy.Parse("M4F8L8,=2")).Message);
        Assert.Contains("given twice", Assert.Throws<OnnxImportException>(() => BitPolicy.Parse("M4F8L8,x=2,x=4")).Message);

        var onnx = FloatImportTests.ResNetLike();
        var convs = new FloatOnnxGraph(AQD.Edge.Onnx.Protobuf.ModelProto.Parser.ParseFrom(onnx)).Layers.Where(l => l.Kind == FloatLayerKind.Conv).ToList();
        Assert.Equal(7, convs.Count);
        var images = CalibrationImages.List(FloatImportTests.ImageFolder()).Take(2).ToList();
        var norm = FloatImportTests.ImageNetNormalization;
        // middle convs at 4 bits, the third conv (by node name) at 2, the last conv (by output name) at 4 instead of 8
        string bits = $"M4F8L8,{convs[2].Node.Name}=2,{convs[^1].Output}=4";
        var result = FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = images, Normalization = norm, Bits = bits });
        var reader = BlobReader.Open(result.Packed.Blob, "overrides");
        var ops = GraphReader.Read(reader).Ops.Where(o => o.Type == GraphOpType.Conv2D).ToList();
        int[] expected = [8, 4, 2, 4, 4, 4, 4];
        Assert.Equal(expected, ops.Select(o => o.Record.Weights!.Value.Format.Bits).ToArray());
        var meta = reader.Metadata.BitPolicy;
        Assert.Equal("M4F8L8", meta.Shorthand);
        Assert.Contains(meta.Layers!, l => l.Name == convs[2].Node.Name && l.WeightBits == 2);
        Assert.Contains(meta.Layers!, l => l.Name == convs[^1].Node.Name && l.WeightBits == 4);

        var e = Assert.Throws<OnnxImportException>(() => FloatOnnxPacker.Pack(onnx, new FloatPackOptions { Images = images, Normalization = norm, Bits = "M4F8L8,nope=2,nada=4" }));
        output.WriteLine(e.Message);
        Assert.Contains("'nope', 'nada'", e.Message);
        Assert.Contains(convs[0].Node.Name, e.Message);
    }
}
