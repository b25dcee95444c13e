using System.Buffers.Binary;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Model.Graph;

/// <summary>
/// Writes the graph section (docs/blob-format.md, "Graph section") into a <see cref="BlobWriter"/>:
/// tensors, ops, parameter blocks (one PRMS section holding every block, each 64-byte aligned) and
/// weights (one WGHT section per weight set). The builder checks only what it needs to lay the
/// records out; the reader (<see cref="GraphReader"/>) is the validator, so tests can write bad
/// graphs on purpose.
/// </summary>
public sealed class GraphBuilder
{
    private const int ParamBlockAlignment = 64;

    private readonly BlobWriter writer;
    private readonly List<GraphTensor> tensors = [];
    private readonly List<GraphOpRecord> ops = [];
    private readonly List<(ParamSetRef Ref, bool Pending)> paramSets = [];
    private readonly List<int> inputs = [];
    private readonly List<int> outputs = [];
    private readonly MemoryStream paramBytes = new();
    private bool finished;

    public GraphBuilder(BlobWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        this.writer = writer;
    }

    /// <summary>Adds an NHWC (N = 1) tensor and returns its id.</summary>
    public int AddTensor(string? name, ActivationFormat format, int height, int width, int channels, uint scaleBits = 0)
    {
        tensors.Add(new GraphTensor(tensors.Count, name, format, height, width, channels, scaleBits));
        return tensors.Count - 1;
    }

    public GraphTensor Tensor(int id) => tensors[id];

    public void AddInput(int tensor) => inputs.Add(tensor);

    public void AddOutput(int tensor) => outputs.Add(tensor);

    /// <summary>Adds one WGHT section holding <paramref name="packed"/> (the kernel's own layout) and returns the reference.</summary>
    public WeightRef AddWeights(ReadOnlySpan<byte> packed, LowBitFormat format, string? name = null)
    {
        int section = writer.AddSection(SectionKind.Weights, packed, name, GraphFormat.WeightAlignment);
        return new WeightRef((uint)section, format, 0, (ulong)packed.Length);
    }

    /// <summary>Adds a parameter block (i32 values) to the builder's PRMS section; returns the param-set index.</summary>
    public uint AddParams(ReadOnlySpan<int> values)
    {
        long offset = (paramBytes.Length + ParamBlockAlignment - 1) / ParamBlockAlignment * ParamBlockAlignment;
        paramBytes.SetLength(offset);
        paramBytes.Position = offset;
        Span<byte> v = stackalloc byte[4];
        foreach (int x in values)
        {
            BinaryPrimitives.WriteInt32LittleEndian(v, x);
            paramBytes.Write(v);
        }
        paramSets.Add((new ParamSetRef((uint)values.Length, 0, (ulong)offset, (uint)values.Length * 4), true));
        return (uint)(paramSets.Count - 1);
    }

    /// <summary>Adds a param-set record exactly as given (its section index is absolute; for tests and tools).</summary>
    public uint AddParamSetRecord(ParamSetRef record)
    {
        paramSets.Add((record, false));
        return (uint)(paramSets.Count - 1);
    }

    /// <summary>The Conv2D / DepthwiseConv2D block: bias[C], multiplier[C], shift[C], outZeroPoint, outMin, outMax.</summary>
    public static int[] RequantBlock(ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> channels, OutputRange range)
    {
        if (bias.Length != channels.Length)
        {
            throw new ArgumentException($"bias has {bias.Length} channels, multipliers {channels.Length}.", nameof(channels));
        }
        int c = bias.Length;
        var block = new int[GraphFormat.RequantValues(c)];
        for (int i = 0; i < c; i++)
        {
            block[i] = bias[i];
            block[c + i] = channels[i].Multiplier;
            block[2 * c + i] = channels[i].Shift;
        }
        block[3 * c] = range.ZeroPoint;
        block[3 * c + 1] = range.Min;
        block[3 * c + 2] = range.Max;
        return block;
    }

    /// <summary>
    /// The fused-LeakyReLU Conv2D / DepthwiseConv2D block (op flag <see cref="GraphOpFlags.LeakyRelu"/>):
    /// bias[C], multiplier[C], shift[C], negMultiplier[C], negShift[C], outZeroPoint, outMin, outMax.
    /// </summary>
    public static int[] LeakyRequantBlock(ReadOnlySpan<int> bias, ReadOnlySpan<ChannelRequant> positive, ReadOnlySpan<ChannelRequant> negative,
        OutputRange range)
    {
        if (negative.Length != positive.Length)
        {
            throw new ArgumentException($"{positive.Length} positive-side multipliers, {negative.Length} negative-side ones.", nameof(negative));
        }
        var plain = RequantBlock(bias, positive, range);
        int c = bias.Length;
        var block = new int[GraphFormat.LeakyRequantValues(c)];
        plain.AsSpan(0, 3 * c).CopyTo(block);
        for (int i = 0; i < c; i++)
        {
            block[3 * c + i] = negative[i].Multiplier;
            block[4 * c + i] = negative[i].Shift;
        }
        plain.AsSpan(3 * c).CopyTo(block.AsSpan(5 * c));
        return block;
    }

    /// <summary>The LookupTable block: 256 output values indexed by the input byte pattern (int8 input -1 is index 255).</summary>
    public static int[] LookupTableBlock(ReadOnlySpan<int> valuesByBytePattern)
    {
        if (valuesByBytePattern.Length != GraphFormat.LookupTableValues)
        {
            throw new ArgumentException($"a lookup table has {GraphFormat.LookupTableValues} values, not {valuesByBytePattern.Length}.", nameof(valuesByBytePattern));
        }
        return valuesByBytePattern.ToArray();
    }

    /// <summary>The Add block: leftShift, mulA, shiftA, mulB, shiftB, mulOut, shiftOut, relu.</summary>
    public static int[] AddBlock(int leftShift, ChannelRequant a, ChannelRequant b, ChannelRequant output, bool relu)
        => [leftShift, a.Multiplier, a.Shift, b.Multiplier, b.Shift, output.Multiplier, output.Shift, relu ? 1 : 0];

    /// <summary>The GlobalAveragePool block: multiplier, shift, relu.</summary>
    public static int[] GlobalAveragePoolBlock(ChannelRequant multiplier, bool relu)
        => [multiplier.Multiplier, multiplier.Shift, relu ? 1 : 0];

    /// <summary>The Requantize block: multiplier, shift, inZeroPoint (must equal the input tensor's zero point).</summary>
    public static int[] RequantizeBlock(ChannelRequant multiplier, int inZeroPoint)
        => [multiplier.Multiplier, multiplier.Shift, inZeroPoint];

    /// <summary>Adds an op record; returns its index.</summary>
    public int AddOp(GraphOpRecord op)
    {
        ArgumentNullException.ThrowIfNull(op);
        ops.Add(op);
        return ops.Count - 1;
    }

    /// <summary>Adds the PRMS section (if any block was added) and the GRPH section; returns the GRPH section index.</summary>
    public int Finish()
    {
        if (finished)
        {
            throw new InvalidOperationException("the graph was already written.");
        }
        finished = true;
        uint prms = GraphFormat.None;
        if (paramSets.Exists(p => p.Pending))
        {
            prms = (uint)writer.AddSection(SectionKind.Parameters, paramBytes.ToArray(), "params", ParamBlockAlignment);
        }
        return writer.AddSection(SectionKind.Graph, Serialize(prms), "graph");
    }

    private byte[] Serialize(uint prmsSection)
    {
        int refCount = ops.Sum(o => o.Inputs.Length + o.Outputs.Length);
        long ioBytes = Align8(4L * (inputs.Count + outputs.Count));
        long length = GraphFormat.HeaderSize + ioBytes + (long)GraphFormat.TensorSize * tensors.Count +
            (long)GraphFormat.OpSize * ops.Count + (long)GraphFormat.ParamSetSize * paramSets.Count + Align8(4L * refCount);
        var b = new byte[length];
        var s = b.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s[GraphFormat.HVersion..], GraphFormat.Version);
        BinaryPrimitives.WriteInt32LittleEndian(s[GraphFormat.HTensorCount..], tensors.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[GraphFormat.HOpCount..], ops.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[GraphFormat.HParamSetCount..], paramSets.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[GraphFormat.HTensorRefCount..], refCount);
        BinaryPrimitives.WriteInt32LittleEndian(s[GraphFormat.HInputCount..], inputs.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[GraphFormat.HOutputCount..], outputs.Count);
        int p = GraphFormat.HeaderSize;
        foreach (int id in inputs.Concat(outputs))
        {
            BinaryPrimitives.WriteInt32LittleEndian(s[p..], id);
            p += 4;
        }
        p = GraphFormat.HeaderSize + (int)ioBytes;
        foreach (var t in tensors)
        {
            var r = s.Slice(p, GraphFormat.TensorSize);
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.TName..], NameIndex(t.Name));
            r[GraphFormat.TRank] = 4;
            r[GraphFormat.TStorage] = (byte)t.Format.Storage;
            r[GraphFormat.TBits] = (byte)t.Format.Bits;
            BinaryPrimitives.WriteInt32LittleEndian(r[GraphFormat.TZeroPoint..], t.Format.ZeroPoint);
            BinaryPrimitives.WriteInt32LittleEndian(r[GraphFormat.TShape..], 1);
            BinaryPrimitives.WriteInt32LittleEndian(r[(GraphFormat.TShape + 4)..], t.Height);
            BinaryPrimitives.WriteInt32LittleEndian(r[(GraphFormat.TShape + 8)..], t.Width);
            BinaryPrimitives.WriteInt32LittleEndian(r[(GraphFormat.TShape + 12)..], t.Channels);
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.TScaleBits..], t.ScaleBits);
            p += GraphFormat.TensorSize;
        }
        int refStart = p + GraphFormat.OpSize * ops.Count + GraphFormat.ParamSetSize * paramSets.Count;
        int refIndex = 0;
        foreach (var op in ops)
        {
            var r = s.Slice(p, GraphFormat.OpSize);
            BinaryPrimitives.WriteUInt16LittleEndian(r[GraphFormat.OType..], (ushort)op.Type);
            BinaryPrimitives.WriteUInt16LittleEndian(r[GraphFormat.OFlags..], (ushort)op.Flags);
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.OName..], NameIndex(op.Name));
            BinaryPrimitives.WriteInt32LittleEndian(r[GraphFormat.OFirstInput..], refIndex);
            BinaryPrimitives.WriteUInt16LittleEndian(r[GraphFormat.OInputCount..], (ushort)op.Inputs.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(r[GraphFormat.OOutputCount..], (ushort)op.Outputs.Length);
            BinaryPrimitives.WriteInt32LittleEndian(r[GraphFormat.OFirstOutput..], refIndex + op.Inputs.Length);
            foreach (int id in op.Inputs.Concat(op.Outputs))
            {
                BinaryPrimitives.WriteInt32LittleEndian(s[(refStart + 4 * refIndex++)..], id);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.OParamSet..], op.ParamSet);
            var w = op.Weights;
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.OWeightSection..], w?.Section ?? GraphFormat.None);
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.OWeightFormat..], w?.FormatCode ?? 0);
            BinaryPrimitives.WriteUInt64LittleEndian(r[GraphFormat.OWeightOffset..], w?.Offset ?? 0);
            BinaryPrimitives.WriteUInt64LittleEndian(r[GraphFormat.OWeightLength..], w?.Length ?? 0);
            var a = op.Attributes;
            r[GraphFormat.OAttributes] = a.KernelH;
            r[GraphFormat.OAttributes + 1] = a.KernelW;
            r[GraphFormat.OAttributes + 2] = a.StrideH;
            r[GraphFormat.OAttributes + 3] = a.StrideW;
            r[GraphFormat.OAttributes + 4] = a.PadTop;
            r[GraphFormat.OAttributes + 5] = a.PadLeft;
            r[GraphFormat.OAttributes + 6] = a.PadBottom;
            r[GraphFormat.OAttributes + 7] = a.PadRight;
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.OGroups..], a.Groups);
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.OExtra..], a.Extra);
            p += GraphFormat.OpSize;
        }
        foreach (var (ps, pending) in paramSets)
        {
            var r = s.Slice(p, GraphFormat.ParamSetSize);
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.PValueCount..], ps.ValueCount);
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.PSection..], pending ? prmsSection : ps.Section);
            BinaryPrimitives.WriteUInt64LittleEndian(r[GraphFormat.POffset..], ps.Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(r[GraphFormat.PLength..], ps.Length);
            p += GraphFormat.ParamSetSize;
        }
        return b;
    }

    private uint NameIndex(string? name) => name is null ? GraphFormat.None : (uint)writer.AddString(name);

    private static long Align8(long n) => (n + 7) & ~7L;
}
