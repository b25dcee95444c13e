using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Model.Graph;

/// <summary>One activation tensor: NHWC with N = 1. <see cref="ScaleBits"/> is the IEEE-754 binary32
/// pattern of the real scale, for tools only (the device never interprets it).</summary>
public sealed record GraphTensor(int Id, string? Name, ActivationFormat Format, int Height, int Width, int Channels,
    uint ScaleBits = 0)
{
    /// <summary>Bytes of the tensor (pixels are byte-aligned).</summary>
    public long Bytes => (long)Height * Width * Format.PixelBytes(Channels);
}

/// <summary>Per-type attributes (16 bytes of the op record). Conv/depthwise/pool: window, stride,
/// padding; Conv2D: <see cref="Groups"/>; ChannelShuffle: <see cref="Groups"/>; ResizeBilinear:
/// <see cref="Extra"/> = <c>BilinearCoordinates</c>; ChannelSlice: <see cref="Extra"/> = first channel.</summary>
public readonly record struct OpAttributes(
    byte KernelH = 0, byte KernelW = 0, byte StrideH = 0, byte StrideW = 0,
    byte PadTop = 0, byte PadLeft = 0, byte PadBottom = 0, byte PadRight = 0,
    uint Groups = 0, uint Extra = 0)
{
    public static OpAttributes Window(int kernel, int stride, int pad, int groups = 0)
        => new((byte)kernel, (byte)kernel, (byte)stride, (byte)stride, (byte)pad, (byte)pad, (byte)pad, (byte)pad, (uint)groups);

    /// <summary>The convolution geometry over an input of <paramref name="h"/> x <paramref name="w"/> x <paramref name="cin"/>.</summary>
    public ConvGeometry Conv(int h, int w, int cin, int cout, int groups)
        => new(h, w, cin, cout, KernelH, KernelW, StrideH, StrideW, PadTop, PadLeft, PadBottom, PadRight, groups);
}

/// <summary>Reference to packed weights: a byte range of a WGHT section and the weight format.</summary>
public readonly record struct WeightRef(uint Section, LowBitFormat Format, ulong Offset, ulong Length)
{
    /// <summary>The stored u32: bits | encoding &lt;&lt; 8.</summary>
    public uint FormatCode => (uint)Format.Bits | ((uint)Format.Encoding << 8);
}

/// <summary>Reference to a block of i32 values in a PRMS section.</summary>
public readonly record struct ParamSetRef(uint ValueCount, uint Section, ulong Offset, uint Length);

/// <summary>One op record as stored (ids, not objects). <see cref="ParamSet"/> is an index into the
/// param-set table or <see cref="GraphFormat.None"/>; <see cref="Weights"/> has Section None when absent.</summary>
public sealed record GraphOpRecord(GraphOpType Type, string? Name, int[] Inputs, int[] Outputs, OpAttributes Attributes,
    uint ParamSet = GraphFormat.None, WeightRef? Weights = null, GraphOpFlags Flags = GraphOpFlags.None);

/// <summary>
/// A validated op: its record, where the record is in the blob (for errors), the weight bytes (a
/// slice of the blob, not a copy) and the i32 values of its parameter block.
/// </summary>
public sealed class GraphOp
{
    internal GraphOp(int index, GraphOpRecord record, long recordOffset, ReadOnlyMemory<byte> weights, int[] parameters,
        long parameterOffset)
    {
        Index = index;
        Record = record;
        RecordOffset = recordOffset;
        Weights = weights;
        Parameters = parameters;
        ParameterOffset = parameterOffset;
    }

    public int Index { get; }
    public GraphOpRecord Record { get; }
    public GraphOpType Type => Record.Type;
    public IReadOnlyList<int> Inputs => Record.Inputs;
    public IReadOnlyList<int> Outputs => Record.Outputs;
    public OpAttributes Attributes => Record.Attributes;

    /// <summary>Absolute byte offset of the op record in the blob.</summary>
    public long RecordOffset { get; }

    /// <summary>Packed weights (slice of the blob) or empty.</summary>
    public ReadOnlyMemory<byte> Weights { get; }

    /// <summary>The parameter block's i32 values (empty when the op has none).</summary>
    public int[] Parameters { get; }

    /// <summary>Absolute byte offset of the parameter block (or of the op's paramSet field when none).</summary>
    public long ParameterOffset { get; }
}

/// <summary>A validated graph: tensors, ops in table order, a topological execution order, inputs and outputs.</summary>
public sealed class ModelGraph
{
    internal ModelGraph(string sourceName, long sectionOffset, GraphTensor[] tensors, GraphOp[] ops, int[] order,
        int[] inputs, int[] outputs)
    {
        SourceName = sourceName;
        SectionOffset = sectionOffset;
        Tensors = tensors;
        Ops = ops;
        ExecutionOrder = order;
        Inputs = inputs;
        Outputs = outputs;
    }

    public string SourceName { get; }

    /// <summary>Absolute offset of the GRPH payload.</summary>
    public long SectionOffset { get; }

    public IReadOnlyList<GraphTensor> Tensors { get; }
    public IReadOnlyList<GraphOp> Ops { get; }

    /// <summary>Op indices in an order where every op runs after the producers of its inputs.</summary>
    public IReadOnlyList<int> ExecutionOrder { get; }

    public IReadOnlyList<int> Inputs { get; }
    public IReadOnlyList<int> Outputs { get; }
}
