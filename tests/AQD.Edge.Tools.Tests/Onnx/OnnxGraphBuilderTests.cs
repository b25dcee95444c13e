using AQD.Edge.Kernels.Conv;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Protobuf;

namespace AQD.Edge.Tools.Tests.Onnx;

/// <summary>The generated protobuf classes round-trip what the builder writes (no ONNX Runtime needed).</summary>
public class OnnxGraphBuilderTests
{
    [Fact]
    public void QLinearConvModelRoundTripsThroughTheGeneratedClasses()
    {
        var g = ConvGeometry.Same(5, 4, 6, 3, 3, stride: 2);
        var w = Enumerable.Range(0, g.OutChannels * g.ReductionSize).Select(i => (sbyte)(i % 255 - 127)).ToArray();
        var spec = new QuantizedConvSpec(g, 0.5f, 3, [0.1f, 0.2f, 0.3f], w, [1, -2, 3], 0.25f, 128);

        var model = ModelProto.Parser.ParseFrom(QuantizedConvModels.QLinearConv(spec).Bytes);

        Assert.Equal(OnnxGraphBuilder.DefaultIrVersion, model.IrVersion);
        Assert.Equal(OnnxGraphBuilder.DefaultOpset, Assert.Single(model.OpsetImport).Version);
        var node = Assert.Single(model.Graph.Node);
        Assert.Equal("QLinearConv", node.OpType);
        Assert.Equal(9, node.Input.Count);
        Assert.Equal([2L, 2L], node.Attribute.Single(a => a.Name == "strides").Ints);
        Assert.Equal([1L, 1L, 1L, 1L], node.Attribute.Single(a => a.Name == "pads").Ints);

        var weights = model.Graph.Initializer.Single(t => t.Name == "w");
        Assert.Equal((int)TensorProto.Types.DataType.Int8, weights.DataType);
        Assert.Equal([3L, 6L, 3L, 3L], weights.Dims);
        // ONNX [O][I][KH][KW] element (o=2, i=5, ky=1, kx=0) is ours [O][KH][KW][I] (2, 1, 0, 5).
        int onnxIndex = ((2 * 6 + 5) * 3 + 1) * 3 + 0, oursIndex = ((2 * 3 + 1) * 3 + 0) * 6 + 5;
        Assert.Equal(w[oursIndex], (sbyte)weights.RawData[onnxIndex]);

        var input = Assert.Single(model.Graph.Input);
        Assert.Equal([1L, 6L, 5L, 4L], input.Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        var output = Assert.Single(model.Graph.Output);
        Assert.Equal([1L, 3L, 3L, 2L], output.Type.TensorType.Shape.Dim.Select(d => d.DimValue));
    }

    [Fact]
    public void TensorWithWrongElementCountIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxTensors.Int32("b", [1, 2, 3], 4));
        Assert.Contains("'b'", e.Message);
    }
}
