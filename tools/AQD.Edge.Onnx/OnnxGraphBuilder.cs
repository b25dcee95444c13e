using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;

namespace AQD.Edge.Onnx;

/// <summary>
/// Small fluent builder of single-graph ONNX models in the default domain:
/// <c>new OnnxGraphBuilder("g").Input(..).Initializer(..).Node(..).Output(..).ToBytes()</c>.
/// </summary>
public sealed class OnnxGraphBuilder(string graphName)
{
    /// <summary>IR version written by default (IR 7 = ONNX 1.7+, enough for opset 13).</summary>
    public const long DefaultIrVersion = 7;

    /// <summary>Default-domain opset written by default (13: per-channel QuantizeLinear/DequantizeLinear).</summary>
    public const long DefaultOpset = 13;

    private readonly GraphProto graph = new() { Name = graphName };

    public OnnxGraphBuilder Input(string name, TensorProto.Types.DataType type, params long[] dims)
    {
        graph.Input.Add(OnnxTensors.Value(name, type, dims));
        return this;
    }

    public OnnxGraphBuilder Output(string name, TensorProto.Types.DataType type, params long[] dims)
    {
        graph.Output.Add(OnnxTensors.Value(name, type, dims));
        return this;
    }

    public OnnxGraphBuilder Initializer(TensorProto tensor)
    {
        graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a node; an empty input name stands for an omitted optional input.</summary>
    public OnnxGraphBuilder Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return this;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Str(string name, string value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) };

    public ModelProto Build(long opset = DefaultOpset, long irVersion = DefaultIrVersion)
    {
        var model = new ModelProto
        {
            IrVersion = irVersion,
            ProducerName = "AQD.Edge.Onnx",
            Graph = graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public byte[] ToBytes(long opset = DefaultOpset, long irVersion = DefaultIrVersion)
        => Build(opset, irVersion).ToByteArray();
}
