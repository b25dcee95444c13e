using System.Buffers.Binary;
using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Model.Graph;

/// <summary>
/// Reads and validates the GRPH section of an opened blob: counts against the section length,
/// every tensor record (shape, format, size), every id, string index, param-set and weight
/// reference (section kind, bounds, alignment, exact length for the op's geometry), per-op shapes
/// and attributes, single producers, and an execution order (cycles refused). Errors are
/// <see cref="BlobFormatException"/> with section "graph", the field (e.g. "ops[3].inputs[1]") and
/// the absolute byte offset of the field. Kernel-level parameter rules (multiplier ranges,
/// accumulator bounds) are checked when the engine prepares the kernels.
/// </summary>
public static class GraphReader
{
    private const string G = "graph";

    /// <summary>Validates the graph of <paramref name="blob"/>.</summary>
    /// <exception cref="BlobFormatException">No GRPH section or anything wrong in it.</exception>
    public static ModelGraph Read(BlobReader blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var section = blob.Find(SectionKind.Graph)
            ?? throw new BlobFormatException(blob.SourceName, G, "GRPH", 0, "the blob has no graph section.");
        return new Parser(blob, section).Parse();
    }

    private sealed class Parser(BlobReader blob, BlobSection section)
    {
        private ReadOnlySpan<byte> B => section.Payload.Span;
        private readonly long baseOffset = section.Offset;
        private GraphTensor[] tensors = [];
        private int[] refs = [];
        private long refStart;

        private BlobFormatException Fail(string field, long relOffset, string problem)
            => new(blob.SourceName, G, field, baseOffset + relOffset, problem);

        private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(B[at..]);
        private int I32(int at) => BinaryPrimitives.ReadInt32LittleEndian(B[at..]);
        private ushort U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(B[at..]);
        private ulong U64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(B[at..]);

        private void Zero(int at, int count, string field)
        {
            for (int i = 0; i < count; i++)
            {
                if (B[at + i] != 0)
                {
                    throw Fail(field, at + i, $"reserved byte is {B[at + i]}, must be 0.");
                }
            }
        }

        private string? Name(uint index, string field, int at)
        {
            if (index == GraphFormat.None)
            {
                return null;
            }
            if (index >= (uint)blob.Strings.Count)
            {
                throw Fail(field, at, $"string index {index} is outside the string table of {blob.Strings.Count} strings.");
            }
            return blob.Strings[(int)index];
        }

        private int TensorId(uint id, string field, long at)
        {
            if (id >= (uint)tensors.Length)
            {
                throw Fail(field, at, $"tensor id {id} does not exist ({tensors.Length} tensors).");
            }
            return (int)id;
        }

        public ModelGraph Parse()
        {
            if (B.Length < GraphFormat.HeaderSize)
            {
                throw Fail("length", 0, $"section of {B.Length} bytes is shorter than the {GraphFormat.HeaderSize}-byte graph header.");
            }
            if (U16(GraphFormat.HVersion) != GraphFormat.Version)
            {
                throw Fail("graphVersion", GraphFormat.HVersion, $"graph version {U16(GraphFormat.HVersion)} is not supported (only {GraphFormat.Version}).");
            }
            if (U16(GraphFormat.HFlags) != 0)
            {
                throw Fail("flags", GraphFormat.HFlags, $"graph flags 0x{U16(GraphFormat.HFlags):X} are unknown.");
            }
            uint Count(string field, int at)
            {
                uint n = U32(at);
                if (n > GraphFormat.MaxCount)
                {
                    throw Fail(field, at, $"{field} {n} exceeds {GraphFormat.MaxCount}.");
                }
                return n;
            }
            uint tensorCount = Count("tensorCount", GraphFormat.HTensorCount), opCount = Count("opCount", GraphFormat.HOpCount),
                paramSetCount = Count("paramSetCount", GraphFormat.HParamSetCount),
                refCount = Count("tensorRefCount", GraphFormat.HTensorRefCount),
                inputCount = Count("inputCount", GraphFormat.HInputCount), outputCount = Count("outputCount", GraphFormat.HOutputCount);
            if (U32(GraphFormat.HReserved) != 0)
            {
                throw Fail("reserved", GraphFormat.HReserved, "must be 0.");
            }
            long ioStart = GraphFormat.HeaderSize, ioBytes = Align8(4L * (inputCount + outputCount));
            long tensorStart = ioStart + ioBytes;
            long opStart = tensorStart + (long)GraphFormat.TensorSize * tensorCount;
            long paramStart = opStart + (long)GraphFormat.OpSize * opCount;
            refStart = paramStart + (long)GraphFormat.ParamSetSize * paramSetCount;
            long end = refStart + Align8(4L * refCount);
            if (end != B.Length)
            {
                throw Fail("length", 0, $"the counts need {end} bytes but the section has {B.Length}.");
            }
            if (inputCount == 0 || outputCount == 0)
            {
                throw Fail(inputCount == 0 ? "inputCount" : "outputCount", inputCount == 0 ? GraphFormat.HInputCount : GraphFormat.HOutputCount,
                    "a graph needs at least one input and one output.");
            }
            Zero((int)(ioStart + 4L * (inputCount + outputCount)), (int)(tensorStart - ioStart - 4L * (inputCount + outputCount)), "padding");
            Zero((int)(refStart + 4L * refCount), (int)(end - refStart - 4L * refCount), "padding");

            tensors = new GraphTensor[tensorCount];
            for (int t = 0; t < tensors.Length; t++)
            {
                tensors[t] = ReadTensor(t, (int)(tensorStart + (long)t * GraphFormat.TensorSize));
            }
            int[] inputs = ReadIds("inputs", (int)ioStart, (int)inputCount);
            int[] outputs = ReadIds("outputs", (int)(ioStart + 4L * inputCount), (int)outputCount);
            refs = new int[refCount];
            for (int i = 0; i < refs.Length; i++)
            {
                refs[i] = TensorId(U32((int)(refStart + 4L * i)), $"tensorRefs[{i}]", refStart + 4L * i);
            }
            var paramSets = new (int[] Values, long Offset)[paramSetCount];
            for (int p = 0; p < paramSets.Length; p++)
            {
                paramSets[p] = ReadParamSet(p, (int)(paramStart + (long)p * GraphFormat.ParamSetSize));
            }
            var ops = new GraphOp[opCount];
            for (int o = 0; o < ops.Length; o++)
            {
                ops[o] = ReadOp(o, (int)(opStart + (long)o * GraphFormat.OpSize), paramSets);
            }
            int[] order = Order(ops, inputs, outputs, (int)ioStart + 4 * (int)inputCount);
            return new ModelGraph(blob.SourceName, baseOffset, tensors, ops, order, inputs, outputs);
        }

        private int[] ReadIds(string what, int at, int count)
        {
            var ids = new int[count];
            var seen = new HashSet<int>();
            for (int i = 0; i < count; i++)
            {
                ids[i] = TensorId(U32(at + 4 * i), $"{what}[{i}]", at + 4 * i);
                if (!seen.Add(ids[i]))
                {
                    throw Fail($"{what}[{i}]", at + 4 * i, $"tensor {ids[i]} is listed twice.");
                }
            }
            return ids;
        }

        private GraphTensor ReadTensor(int t, int at)
        {
            string f = $"tensors[{t}]";
            string? name = Name(U32(at + GraphFormat.TName), f + ".name", at + GraphFormat.TName);
            if (B[at + GraphFormat.TRank] != 4)
            {
                throw Fail(f + ".rank", at + GraphFormat.TRank, $"rank {B[at + GraphFormat.TRank]}: graph version 1 tensors are NHWC, rank 4.");
            }
            byte storage = B[at + GraphFormat.TStorage];
            if (storage > (byte)ActivationStorage.Int16)
            {
                throw Fail(f + ".storage", at + GraphFormat.TStorage, $"storage {storage} is unknown.");
            }
            if (B[at + GraphFormat.TFlags] != 0)
            {
                throw Fail(f + ".flags", at + GraphFormat.TFlags, "tensor flags must be 0.");
            }
            var format = new ActivationFormat((ActivationStorage)storage, B[at + GraphFormat.TBits], I32(at + GraphFormat.TZeroPoint));
            try
            {
                format.Validate(f);
            }
            catch (ArgumentException e)
            {
                throw Fail(f + ".bits", at + GraphFormat.TBits, e.Message);
            }
            string[] dims = ["n", "h", "w", "c"];
            var shape = new long[4];
            for (int d = 0; d < 4; d++)
            {
                int fa = at + GraphFormat.TShape + 4 * d;
                shape[d] = U32(fa);
                if (shape[d] < 1 || shape[d] > (d == 0 ? 1 : 1 << 24))
                {
                    throw Fail($"{f}.shape.{dims[d]}", fa, d == 0 ? $"batch {shape[d]}: must be 1." : $"dimension {shape[d]} must be in [1, 2^24].");
                }
            }
            var tensor = new GraphTensor(t, name, format, (int)shape[1], (int)shape[2], (int)shape[3], U32(at + GraphFormat.TScaleBits));
            if (tensor.Bytes > GraphFormat.MaxTensorBytes)
            {
                throw Fail(f + ".shape", at + GraphFormat.TShape, $"{tensor.Bytes} bytes exceeds 2^31 - 1.");
            }
            Zero(at + GraphFormat.TReserved, GraphFormat.TensorSize - GraphFormat.TReserved, f + ".reserved");
            return tensor;
        }

        private (int[] Values, long Offset) ReadParamSet(int p, int at)
        {
            string f = $"paramSets[{p}]";
            uint count = U32(at + GraphFormat.PValueCount), sectionIndex = U32(at + GraphFormat.PSection), length = U32(at + GraphFormat.PLength);
            ulong offset = U64(at + GraphFormat.POffset);
            if (count > GraphFormat.MaxCount || length != 4L * count)
            {
                throw Fail(f + ".length", at + GraphFormat.PLength, $"length {length} is not 4 x valueCount {count} (at most {GraphFormat.MaxCount} values).");
            }
            if (U32(at + GraphFormat.PReserved) != 0)
            {
                throw Fail(f + ".reserved", at + GraphFormat.PReserved, "must be 0.");
            }
            CheckKind(sectionIndex, SectionKind.Parameters, f + ".section", at + GraphFormat.PSection);
            var bytes = blob.Slice(sectionIndex, offset, length, f + ".offset", baseOffset + at + GraphFormat.POffset, G,
                GraphFormat.ParamAlignment).Span;
            var values = new int[count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
            }
            return (values, blob.Sections[(int)sectionIndex].Offset + (long)offset);
        }

        private void CheckKind(uint sectionIndex, SectionKind kind, string field, int at)
        {
            if (sectionIndex < (uint)blob.Sections.Count && blob.Sections[(int)sectionIndex].Kind != kind)
            {
                throw Fail(field, at, $"{blob.Sections[(int)sectionIndex].Label} is not a {kind} section.");
            }
        }

        private GraphOp ReadOp(int o, int at, (int[] Values, long Offset)[] paramSets)
        {
            string f = $"ops[{o}]";
            ushort typeCode = U16(at + GraphFormat.OType);
            if (!Enum.IsDefined((GraphOpType)typeCode))
            {
                throw Fail(f + ".type", at + GraphFormat.OType, $"op type {typeCode} is unknown.");
            }
            var type = (GraphOpType)typeCode;
            var flags = (GraphOpFlags)U16(at + GraphFormat.OFlags);
            var allowedFlags = type is GraphOpType.Conv2D or GraphOpType.DepthwiseConv2D ? GraphOpFlags.LeakyRelu : GraphOpFlags.None;
            if ((flags & ~allowedFlags) != 0)
            {
                throw Fail(f + ".flags", at + GraphFormat.OFlags, $"op flags 0x{(ushort)flags:X} are unknown for {type} (allowed: 0x{(ushort)allowedFlags:X}).");
            }
            string? name = Name(U32(at + GraphFormat.OName), f + ".name", at + GraphFormat.OName);
            int[] ins = Range(f, "inputs", at + GraphFormat.OFirstInput, U16(at + GraphFormat.OInputCount));
            int[] outs = Range(f, "outputs", at + GraphFormat.OFirstOutput, U16(at + GraphFormat.OOutputCount));

            // parameters
            uint ps = U32(at + GraphFormat.OParamSet);
            int[] parameters = [];
            long paramOffset = baseOffset + at + GraphFormat.OParamSet;
            if (ps != GraphFormat.None)
            {
                if (ps >= (uint)paramSets.Length)
                {
                    throw Fail(f + ".paramSet", at + GraphFormat.OParamSet, $"param set {ps} does not exist ({paramSets.Length} param sets).");
                }
                (parameters, paramOffset) = paramSets[ps];
            }

            // weights
            uint ws = U32(at + GraphFormat.OWeightSection), wf = U32(at + GraphFormat.OWeightFormat);
            ulong wo = U64(at + GraphFormat.OWeightOffset), wl = U64(at + GraphFormat.OWeightLength);
            WeightRef? weightRef = null;
            ReadOnlyMemory<byte> weights = default;
            if (ws == GraphFormat.None)
            {
                if (wf != 0 || wo != 0 || wl != 0)
                {
                    throw Fail(f + ".weights.format", at + GraphFormat.OWeightFormat, "format, offset and length must be 0 without a weight section.");
                }
            }
            else
            {
                var format = new LowBitFormat((int)(wf & 0xFF), (LowBitEncoding)(wf >> 8));
                if ((wf >> 8) > 0xFF || !IsValid(format))
                {
                    throw Fail(f + ".weights.format", at + GraphFormat.OWeightFormat, $"weight format 0x{wf:X} is not a valid low-bit format.");
                }
                CheckKind(ws, SectionKind.Weights, f + ".weights.section", at + GraphFormat.OWeightSection);
                weights = blob.Slice(ws, wo, wl, f + ".weights.offset", baseOffset + at + GraphFormat.OWeightOffset, G, GraphFormat.WeightAlignment);
                weightRef = new WeightRef(ws, format, wo, wl);
            }
            var a = new OpAttributes(B[at + GraphFormat.OAttributes], B[at + GraphFormat.OAttributes + 1], B[at + GraphFormat.OAttributes + 2],
                B[at + GraphFormat.OAttributes + 3], B[at + GraphFormat.OAttributes + 4], B[at + GraphFormat.OAttributes + 5],
                B[at + GraphFormat.OAttributes + 6], B[at + GraphFormat.OAttributes + 7], U32(at + GraphFormat.OGroups), U32(at + GraphFormat.OExtra));
            var record = new GraphOpRecord(type, name, ins, outs, a, ps, weightRef, flags);
            new OpChecker(this, f, at, record, parameters).Check();
            return new GraphOp(o, record, baseOffset + at, weights, parameters, paramOffset);
        }

        private static bool IsValid(LowBitFormat format)
        {
            try
            {
                format.Validate();
                return true;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        private int[] Range(string f, string what, int at, int count)
        {
            uint first = U32(at);
            if ((ulong)first + (ulong)count > (ulong)refs.Length)
            {
                throw Fail($"{f}.first{char.ToUpperInvariant(what[0])}{what[1..^1]}", at,
                    $"{what} [{first}, +{count}) run past the {refs.Length} tensor references.");
            }
            return refs.AsSpan((int)first, count).ToArray();
        }

        /// <summary>Per-type arity, shapes, formats, attributes, weight lengths and parameter counts.</summary>
        private readonly struct OpChecker(Parser p, string f, int at, GraphOpRecord op, int[] parameters)
        {
            private BlobFormatException Fail(string field, int offset, string problem) => p.Fail($"{f}.{field}", offset, problem);

            private GraphTensor In(int i) => p.tensors[op.Inputs[i]];
            private GraphTensor Out => p.tensors[op.Outputs[0]];

            public void Check()
            {
                var t = op.Type;
                (int minIn, int maxIn) = t switch
                {
                    GraphOpType.Add => (2, 2),
                    GraphOpType.Concat => (1, 64),
                    _ => (1, 1),
                };
                if (op.Inputs.Length < minIn || op.Inputs.Length > maxIn)
                {
                    throw Fail("inputCount", at + GraphFormat.OInputCount, $"{t} takes {minIn}..{maxIn} inputs, not {op.Inputs.Length}.");
                }
                if (op.Outputs.Length != 1)
                {
                    throw Fail("outputCount", at + GraphFormat.OOutputCount, $"{t} has one output, not {op.Outputs.Length}.");
                }
                bool conv = t is GraphOpType.Conv2D or GraphOpType.DepthwiseConv2D;
                bool window = conv || t == GraphOpType.MaxPool;
                bool needParams = conv || t is GraphOpType.Add or GraphOpType.GlobalAveragePool or GraphOpType.LookupTable or GraphOpType.Requantize;
                if (conv != op.Weights.HasValue)
                {
                    throw Fail("weights.section", at + GraphFormat.OWeightSection, conv ? $"{t} needs weights." : $"{t} takes no weights.");
                }
                if (needParams != (op.ParamSet != GraphFormat.None))
                {
                    throw Fail("paramSet", at + GraphFormat.OParamSet, needParams ? $"{t} needs a param set." : $"{t} takes no param set.");
                }
                var a = op.Attributes;
                if (!window && (a.KernelH | a.KernelW | a.StrideH | a.StrideW | a.PadTop | a.PadLeft | a.PadBottom | a.PadRight) != 0)
                {
                    throw Fail("attributes", at + GraphFormat.OAttributes, $"{t} has no window: attribute bytes must be 0.");
                }
                bool usesGroups = t is GraphOpType.Conv2D or GraphOpType.DepthwiseConv2D or GraphOpType.ChannelShuffle;
                if (!usesGroups && a.Groups != 0)
                {
                    throw Fail("groups", at + GraphFormat.OGroups, $"{t} has no groups: must be 0.");
                }
                if (t is not (GraphOpType.ResizeBilinear or GraphOpType.ChannelSlice) && a.Extra != 0)
                {
                    throw Fail("extra", at + GraphFormat.OExtra, $"{t}: must be 0.");
                }
                var o = Out;
                int cin = In(0).Channels;
                switch (t)
                {
                    case GraphOpType.Conv2D:
                    case GraphOpType.DepthwiseConv2D:
                        CheckConv(t == GraphOpType.DepthwiseConv2D);
                        break;
                    case GraphOpType.Add:
                        SameShape(1);
                        SameShape(0);
                        for (int i = 0; i < 2; i++)
                        {
                            Unpacked(In(i).Format, $"inputs[{i}]");
                            // Same storage as the output, or a uint8 input of an int16 add (residual stream).
                            var s = In(i).Format.Storage;
                            if (s != o.Format.Storage && !(o.Format.Storage == ActivationStorage.Int16 && s == ActivationStorage.UInt8))
                            {
                                throw Fail($"inputs[{i}]", InAt(i),
                                    $"Add: input storage {s} with output {o.Format}: inputs use the output's storage (uint8, int8 or int16), or uint8 when the output is int16.");
                            }
                        }
                        Unpacked(o.Format, "outputs[0]");
                        Params(GraphFormat.AddValues);
                        Bool(parameters[7], "relu");
                        break;
                    case GraphOpType.Concat:
                        int sum = 0;
                        for (int i = 0; i < op.Inputs.Length; i++)
                        {
                            var x = In(i);
                            if (x.Height != o.Height || x.Width != o.Width)
                            {
                                throw Fail($"inputs[{i}]", InAt(i), $"Concat: input {x.Height}x{x.Width} differs from the output {o.Height}x{o.Width}.");
                            }
                            SameFormat(i);
                            sum += x.Channels;
                        }
                        if (sum != o.Channels)
                        {
                            throw Fail("outputs[0]", OutAt, $"Concat: inputs have {sum} channels, the output {o.Channels}.");
                        }
                        break;
                    case GraphOpType.ResizeNearest2x:
                        Unpacked(In(0).Format, "inputs[0]");
                        if (In(0).Format != o.Format)
                        {
                            throw Fail("inputs[0]", InAt(0), $"{op.Type}: input format {In(0).Format} differs from the output format {o.Format}.");
                        }
                        Expect(o.Height == 2L * In(0).Height && o.Width == 2L * In(0).Width && o.Channels == cin,
                            $"ResizeNearest2x of {Shape(In(0))} gives {In(0).Height * 2L}x{In(0).Width * 2L}x{cin}");
                        break;
                    case GraphOpType.ResizeBilinear:
                        SameFormat(0);
                        Expect(o.Channels == cin, $"ResizeBilinear keeps the {cin} channels");
                        if (a.Extra > 2)
                        {
                            throw Fail("extra", at + GraphFormat.OExtra, $"bilinear coordinate mode {a.Extra} is unknown (0 half-pixel, 1 asymmetric, 2 align-corners).");
                        }
                        if (o.Height > 1 << 15 || o.Width > 1 << 15 || In(0).Height > 1 << 15 || In(0).Width > 1 << 15)
                        {
                            throw Fail("outputs[0]", OutAt, "ResizeBilinear: sizes are limited to 32768.");
                        }
                        break;
                    case GraphOpType.MaxPool:
                        SameFormat(0);
                        var x0 = In(0);
                        var pg = new PoolGeometry(1, x0.Height, x0.Width, cin, a.KernelH, a.KernelW, a.StrideH, a.StrideW,
                            a.PadTop, a.PadLeft, a.PadBottom, a.PadRight);
                        try
                        {
                            pg.Validate("MaxPool");
                        }
                        catch (ArgumentException e)
                        {
                            throw Fail("attributes", at + GraphFormat.OAttributes, e.Message);
                        }
                        Expect(o.Height == pg.OutHeight && o.Width == pg.OutWidth && o.Channels == cin,
                            $"MaxPool gives {pg.OutHeight}x{pg.OutWidth}x{cin}");
                        break;
                    case GraphOpType.GlobalAveragePool:
                        Bytes(In(0).Format, "inputs[0]");
                        Bytes(o.Format, "outputs[0]");
                        Expect(o.Height == 1 && o.Width == 1 && o.Channels == cin, $"GlobalAveragePool gives 1x1x{cin}");
                        Params(GraphFormat.GlobalAveragePoolValues);
                        Bool(parameters[2], "relu");
                        break;
                    case GraphOpType.Requantize:
                        SameShape(0);
                        Params(GraphFormat.RequantizeValues);
                        if (!Requantization.IsValid(parameters[0], parameters[1]))
                        {
                            throw Fail("paramSet", at + GraphFormat.OParamSet,
                                $"Requantize: multiplier ({parameters[0]}, {parameters[1]}) is not valid (M0 >= 0, shift in [{Requantization.MinShift}, {Requantization.MaxShift}]).");
                        }
                        if (parameters[2] != In(0).Format.ZeroPoint)
                        {
                            throw Fail("paramSet", at + GraphFormat.OParamSet,
                                $"Requantize: inZeroPoint {parameters[2]} differs from input tensor {op.Inputs[0]}'s zero point {In(0).Format.ZeroPoint}.");
                        }
                        break;
                    case GraphOpType.LookupTable:
                        Expect(o.Height == In(0).Height && o.Width == In(0).Width && o.Channels == cin, $"LookupTable keeps the shape {Shape(In(0))}");
                        Bytes8(In(0).Format, "inputs[0]");
                        if (o.Format.Storage != ActivationStorage.Int16)
                        {
                            Bytes8(o.Format, "outputs[0]");
                        }
                        Params(GraphFormat.LookupTableValues);
                        for (int i = 0; i < parameters.Length; i++)
                        {
                            if (parameters[i] < o.Format.Min || parameters[i] > o.Format.Max)
                            {
                                throw Fail("paramSet", at + GraphFormat.OParamSet, $"LookupTable entry {i} = {parameters[i]} is outside the output format {o.Format} [{o.Format.Min}, {o.Format.Max}].");
                            }
                        }
                        break;
                    case GraphOpType.ChannelSlice:
                        SameFormat(0);
                        if (o.Height != In(0).Height || o.Width != In(0).Width || a.Extra >= (uint)cin || a.Extra + (ulong)o.Channels > (ulong)cin)
                        {
                            throw Fail("extra", at + GraphFormat.OExtra, $"ChannelSlice: channels [{a.Extra}, +{o.Channels}) of a {Shape(In(0))} input into {Shape(o)}: the slice must lie inside the input's channels and keep h x w.");
                        }
                        break;
                    case GraphOpType.ChannelShuffle:
                        SameFormat(0);
                        SameShape(0);
                        if (a.Groups < 1 || cin % a.Groups != 0)
                        {
                            throw Fail("groups", at + GraphFormat.OGroups, $"ChannelShuffle: {a.Groups} groups do not divide {cin} channels.");
                        }
                        break;
                }
            }

            private int InAt(int i) => RefAt(true, i);

            private int OutAt => RefAt(false, 0);

            private int RefAt(bool input, int i)
                => (int)(p.refStart + 4L * (p.U32(at + (input ? GraphFormat.OFirstInput : GraphFormat.OFirstOutput)) + (uint)i));

            private static string Shape(GraphTensor t) => $"{t.Height}x{t.Width}x{t.Channels}";

            private void Expect(bool ok, string what)
            {
                if (!ok)
                {
                    throw Fail("outputs[0]", OutAt, $"shape mismatch: {what}, but tensor {op.Outputs[0]} is {Shape(Out)}.");
                }
            }

            private void SameShape(int i)
            {
                var x = In(i);
                if (x.Height != Out.Height || x.Width != Out.Width || x.Channels != Out.Channels)
                {
                    throw Fail($"inputs[{i}]", InAt(i), $"shape mismatch: {op.Type} input tensor {op.Inputs[i]} is {Shape(x)}, the output {Shape(Out)}.");
                }
            }

            private void SameFormat(int i)
            {
                Bytes(In(i).Format, $"inputs[{i}]");
                if (In(i).Format != Out.Format)
                {
                    throw Fail($"inputs[{i}]", InAt(i), $"{op.Type}: input format {In(i).Format} differs from the output format {Out.Format}.");
                }
            }

            private void Bytes(ActivationFormat format, string field)
            {
                if (format.Storage is not (ActivationStorage.UInt8 or ActivationStorage.Int8))
                {
                    int offset = field.StartsWith("inputs", StringComparison.Ordinal) ? InAt(field[7] - '0') : OutAt;
                    throw Fail(field, offset, $"{op.Type} needs uint8 or int8 storage, not {format}.");
                }
            }

            private void Unpacked(ActivationFormat format, string field)
            {
                if (format.Storage is not (ActivationStorage.UInt8 or ActivationStorage.Int8 or ActivationStorage.Int16))
                {
                    int offset = field.StartsWith("inputs", StringComparison.Ordinal) ? InAt(field[7] - '0') : OutAt;
                    throw Fail(field, offset, $"{op.Type} needs uint8, int8 or int16 storage, not {format}.");
                }
            }

            private void Bytes8(ActivationFormat format, string field)
            {
                Bytes(format, field);
                if (format.Bits != 8)
                {
                    throw Fail(field, field.StartsWith("inputs", StringComparison.Ordinal) ? InAt(0) : OutAt, $"{op.Type} needs 8-bit uint8 or int8, not {format}.");
                }
            }

            private void Params(int count)
            {
                if (parameters.Length != count)
                {
                    throw Fail("paramSet", at + GraphFormat.OParamSet, $"{op.Type} needs {count} parameter values, the param set has {parameters.Length}.");
                }
            }

            private void Bool(int value, string name)
            {
                if (value is not (0 or 1))
                {
                    throw Fail("paramSet", at + GraphFormat.OParamSet, $"{name} = {value} must be 0 or 1.");
                }
            }

            private void CheckConv(bool depthwise)
            {
                var x = In(0);
                var o = Out;
                var a = op.Attributes;
                if (depthwise && (a.Groups != x.Channels || o.Channels != x.Channels))
                {
                    throw Fail("groups", at + GraphFormat.OGroups, $"DepthwiseConv2D: groups {a.Groups}, input {x.Channels} and output {o.Channels} channels must be equal.");
                }
                if (a.Groups < 1 || a.Groups > x.Channels)
                {
                    throw Fail("groups", at + GraphFormat.OGroups, $"groups {a.Groups} must be in [1, {x.Channels}].");
                }
                var g = a.Conv(x.Height, x.Width, x.Channels, o.Channels, (int)a.Groups);
                try
                {
                    g.Validate(op.Type.ToString());
                }
                catch (ArgumentException e)
                {
                    throw Fail("attributes", at + GraphFormat.OAttributes, e.Message);
                }
                Expect(o.Height == g.OutHeight && o.Width == g.OutWidth, $"{op.Type} gives {g.OutHeight}x{g.OutWidth}x{o.Channels}");
                var w = op.Weights!.Value;
                long need;
                try
                {
                    need = depthwise ? DepthwiseWeights.PackedBytes(g) : PackedConvWeights.PackedSize(g, w.Format);
                }
                catch (ArgumentException e)
                {
                    throw Fail("weights.format", at + GraphFormat.OWeightFormat, e.Message);
                }
                if ((ulong)need != w.Length)
                {
                    throw Fail("weights.length", at + GraphFormat.OWeightLength, $"{w.Length} bytes, but {g} packs to {need}.");
                }
                Params((op.Flags & GraphOpFlags.LeakyRelu) != 0 ? GraphFormat.LeakyRequantValues(o.Channels) : GraphFormat.RequantValues(o.Channels));
            }
        }

        private int[] Order(GraphOp[] ops, int[] inputs, int[] outputs, int outputsAt)
        {
            var producer = new int[tensors.Length];
            Array.Fill(producer, -1);
            var isInput = new bool[tensors.Length];
            foreach (int i in inputs)
            {
                isInput[i] = true;
            }
            foreach (var op in ops)
            {
                int at = (int)(op.RecordOffset - baseOffset);
                uint firstOut = U32(at + GraphFormat.OFirstOutput);
                for (int j = 0; j < op.Outputs.Count; j++)
                {
                    int t = op.Outputs[j];
                    long fa = refStart + 4L * (firstOut + j);
                    if (isInput[t])
                    {
                        throw Fail($"ops[{op.Index}].outputs[{j}]", fa, $"tensor {t} is a graph input and cannot be written by an op.");
                    }
                    if (producer[t] >= 0)
                    {
                        throw Fail($"ops[{op.Index}].outputs[{j}]", fa, $"tensor {t} is already written by ops[{producer[t]}].");
                    }
                    producer[t] = op.Index;
                }
            }
            var pending = new int[ops.Length];
            var consumers = new List<int>[tensors.Length];
            foreach (var op in ops)
            {
                int at = (int)(op.RecordOffset - baseOffset);
                uint firstIn = U32(at + GraphFormat.OFirstInput);
                for (int j = 0; j < op.Inputs.Count; j++)
                {
                    int t = op.Inputs[j];
                    if (!isInput[t] && producer[t] < 0)
                    {
                        throw Fail($"ops[{op.Index}].inputs[{j}]", refStart + 4L * (firstIn + j),
                            $"dangling tensor {t}: it is neither a graph input nor written by any op.");
                    }
                    if (producer[t] >= 0)
                    {
                        pending[op.Index]++;
                        (consumers[t] ??= []).Add(op.Index);
                    }
                }
            }
            for (int i = 0; i < outputs.Length; i++)
            {
                if (!isInput[outputs[i]] && producer[outputs[i]] < 0)
                {
                    throw Fail($"outputs[{i}]", outputsAt + 4 * i, $"graph output tensor {outputs[i]} is never written.");
                }
            }
            // Kahn's algorithm, lowest op index first (table order when it is already topological).
            var ready = new PriorityQueue<int, int>();
            for (int o = 0; o < ops.Length; o++)
            {
                if (pending[o] == 0)
                {
                    ready.Enqueue(o, o);
                }
            }
            var order = new List<int>(ops.Length);
            while (ready.TryDequeue(out int o, out _))
            {
                order.Add(o);
                foreach (int t in ops[o].Outputs)
                {
                    foreach (int c in consumers[t] ?? [])
                    {
                        if (--pending[c] == 0)
                        {
                            ready.Enqueue(c, c);
                        }
                    }
                }
            }
            if (order.Count != ops.Length)
            {
                int stuck = Array.FindIndex(pending, n => n > 0);
                throw Fail($"ops[{stuck}].inputs", ops[stuck].RecordOffset - baseOffset + GraphFormat.OFirstInput,
                    $"cycle: ops[{stuck}] depends (directly or through other ops) on its own output; {ops.Length - order.Count} ops are on or behind a cycle.");
            }
            return [.. order];
        }

        private static long Align8(long n) => (n + 7) & ~7L;
    }
}
