using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Movement;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Engine;

/// <summary>
/// Runs the graph of a model blob. <see cref="Load(BlobReader, EngineOptions?)"/> validates the graph
/// (<see cref="GraphReader"/>), prepares every kernel (packed weights are wrapped in place: slices
/// of the blob memory, which must outlive the engine), and plans ONE arena from tensor lifetimes
/// (<see cref="ArenaPlanner"/>; each op's scratch is a buffer live during its step). After that,
/// <see cref="Run()"/> executes the ops in <see cref="ModelGraph.ExecutionOrder"/> with no managed
/// allocation. Not thread-safe: one engine runs one inference at a time. With
/// <see cref="EngineOptions.Threads"/> = N &gt; 1, N - 1 persistent worker threads (started at load,
/// stopped by <see cref="Dispose"/>) compute disjoint bands of output rows of every convolution and
/// depthwise convolution together with the calling thread, each with its own scratch in the arena;
/// the other ops run on the calling thread. Outputs are bit-identical for every thread count.
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly EngineOp[] ops;
    private readonly BandWorkers? workers;
    private bool disposed;
    private readonly byte[] arena;
    private readonly Slot[] tensorSlots;
    private readonly int[] inputs, outputs;

    private InferenceEngine(ModelGraph graph, EngineOp[] ops, byte[] arena, Slot[] tensorSlots, ArenaBuffer[] plan, int arenaBytes, int threads)
    {
        Threads = threads;
        workers = threads > 1 ? new BandWorkers(threads, "AQD.Edge.Engine") : null;
        Graph = graph;
        this.ops = ops;
        this.arena = arena;
        this.tensorSlots = tensorSlots;
        Plan = plan;
        ArenaBytes = arenaBytes;
        inputs = [.. graph.Inputs];
        outputs = [.. graph.Outputs];
    }

    public ModelGraph Graph { get; }

    /// <summary>Threads an inference uses, the caller included (<see cref="EngineOptions.Threads"/>).</summary>
    public int Threads { get; }

    /// <summary>Worker threads currently alive: Threads - 1 after load, 0 after <see cref="Dispose"/>.</summary>
    public int LiveWorkerThreads => workers?.LiveWorkers ?? 0;

    /// <summary>Planned arena size in bytes (the allocation is up to 64 bytes larger, for alignment).</summary>
    public int ArenaBytes { get; }

    /// <summary>Every arena buffer (tensors and op scratch) with its offset and lifetime, for inspection and tests.</summary>
    public IReadOnlyList<ArenaBuffer> Plan { get; }

    public int InputCount => inputs.Length;
    public int OutputCount => outputs.Length;

    /// <summary>Loads the graph of an opened blob.</summary>
    /// <exception cref="BlobFormatException">The graph is invalid or a kernel refuses its parameters (names op and field).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EngineOptions.Threads"/> is outside 1 .. <see cref="Environment.ProcessorCount"/>.</exception>
    public static InferenceEngine Load(BlobReader blob, EngineOptions? options = null)
    {
        (options ?? EngineOptions.Default).Validate(Environment.ProcessorCount);
        return Load(GraphReader.Read(blob), options);
    }

    /// <summary>Prepares a validated graph.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EngineOptions.Threads"/> is outside 1 .. <see cref="Environment.ProcessorCount"/>.</exception>
    public static InferenceEngine Load(ModelGraph graph, EngineOptions? options = null)
        => Load(graph, options, Environment.ProcessorCount);

    /// <summary>Tests: <paramref name="maxThreads"/> replaces the processor count as the thread limit (to test more bands than cores).</summary>
    internal static InferenceEngine Load(ModelGraph graph, EngineOptions? options, int maxThreads)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= EngineOptions.Default;
        options.Validate(maxThreads);
        int threads = options.Threads;
        var order = graph.ExecutionOrder;
        var prepared = new EngineOp[order.Count];
        var weightCache = new Dictionary<(WeightRef, ConvGeometry), PackedConvWeights>();
        for (int step = 0; step < order.Count; step++)
        {
            prepared[step] = OpFactory.Prepare(graph, graph.Ops[order[step]], weightCache);
        }

        // Lifetimes: a tensor lives from its producer's step (graph inputs: 0) to its last consumer's
        // step (graph outputs: past the last step); scratch lives during its op's step.
        int steps = order.Count;
        int tensorCount = graph.Tensors.Count;
        var first = new int[tensorCount];
        var last = new int[tensorCount];
        Array.Fill(first, -1);
        Array.Fill(last, -1);
        foreach (int t in graph.Inputs)
        {
            first[t] = 0;
        }
        for (int step = 0; step < steps; step++)
        {
            var op = graph.Ops[order[step]];
            foreach (int t in op.Inputs)
            {
                last[t] = Math.Max(last[t], step);
            }
            first[op.Outputs[0]] = step;
            last[op.Outputs[0]] = Math.Max(last[op.Outputs[0]], step);
        }
        foreach (int t in graph.Outputs)
        {
            last[t] = steps;
        }
        var buffers = new List<ArenaBuffer>();
        for (int t = 0; t < tensorCount; t++)
        {
            if (first[t] >= 0)
            {
                buffers.Add(new ArenaBuffer(t, -1, 0, (int)graph.Tensors[t].Bytes, first[t], Math.Max(first[t], last[t])));
            }
        }
        foreach (var e in prepared)
        {
            if (e is BandedOp b)
            {
                long byMacs = options.MinMacsPerBand == 0 ? threads : Math.Max(1, b.Macs / options.MinMacsPerBand);
                b.Bands = (int)Math.Min(Math.Min(threads, b.Units), byMacs);
            }
        }
        for (int step = 0; step < steps; step++)
        {
            // A split op gets one scratch region per band, each starting 64-byte aligned.
            int scratch = prepared[step].ScratchBytes;
            if (scratch > 0)
            {
                int bytes = prepared[step] is BandedOp { Bands: > 1 } split
                    ? checked(split.Bands * (int)ArenaPlanner.AlignUp(scratch))
                    : scratch;
                buffers.Add(new ArenaBuffer(-1, order[step], 0, bytes, step, step));
            }
        }
        var (plan, size) = ArenaPlanner.Plan(buffers);

        // One pinned allocation, its first used byte 64-byte aligned.
        var arena = GC.AllocateArray<byte>(size + ArenaPlanner.Alignment, pinned: true);
        int baseOffset = BaseOffset(arena);
        var tensorSlots = new Slot[tensorCount];
        var scratchSlots = new Dictionary<int, Slot>();
        foreach (var b in plan)
        {
            var slot = new Slot(baseOffset + b.Offset, b.Size);
            if (b.Tensor >= 0)
            {
                tensorSlots[b.Tensor] = slot;
            }
            else
            {
                scratchSlots[b.ScratchOfOp] = slot;
            }
        }
        for (int step = 0; step < steps; step++)
        {
            var op = graph.Ops[order[step]];
            var e = prepared[step];
            e.Inputs = [.. op.Inputs.Select(t => tensorSlots[t])];
            e.Output = tensorSlots[op.Outputs[0]];
            e.Scratch = scratchSlots.GetValueOrDefault(order[step]);
            if (e is BandedOp banded)
            {
                banded.Arena = arena;
                banded.ScratchStride = (int)ArenaPlanner.AlignUp(banded.ScratchBytes);
            }
        }
        return new InferenceEngine(graph, prepared, arena, tensorSlots, plan, size, threads);
    }

    private static unsafe int BaseOffset(byte[] pinnedArray)
    {
        fixed (byte* p = pinnedArray)
        {
            long misalign = (long)p & (ArenaPlanner.Alignment - 1);
            return misalign == 0 ? 0 : (int)(ArenaPlanner.Alignment - misalign);
        }
    }

    /// <summary>Where to write graph input <paramref name="index"/> (NHWC bytes in the tensor's format).</summary>
    public Span<byte> Input(int index) => tensorSlots[inputs[index]].In(arena);

    /// <summary>Graph output <paramref name="index"/> after <see cref="Run()"/> (valid until the next run).</summary>
    public ReadOnlySpan<byte> Output(int index) => tensorSlots[outputs[index]].In(arena);

    /// <summary>Any tensor's bytes (intermediate ones are only meaningful while live; for tests and debugging).</summary>
    public ReadOnlySpan<byte> Tensor(int id) => tensorSlots[id].In(arena);

    /// <summary>Runs every op once on the inputs already written through <see cref="Input"/>.</summary>
    /// <exception cref="ObjectDisposedException">The engine was disposed.</exception>
    /// <remarks>An exception thrown in a worker's band is rethrown here after every band of that op finished.</remarks>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        foreach (var op in ops)
        {
            RunOp(op);
        }
    }

    private void RunOp(EngineOp op)
    {
        if (workers is not null && op is BandedOp { Bands: > 1 } banded)
        {
            workers.Run(banded, banded.Bands);
        }
        else
        {
            op.Run(arena);
        }
    }

    /// <summary>Number of steps of <see cref="Run()"/>: one per op, step i runs op <c>Graph.ExecutionOrder[i]</c>.</summary>
    public int StepCount => ops.Length;

    /// <summary>Op index, MACs and bands of step <paramref name="step"/> (see <see cref="EngineStepInfo"/>).</summary>
    public EngineStepInfo StepInfo(int step)
    {
        var op = ops[step];
        return op is BandedOp b ? new(Graph.ExecutionOrder[step], b.Macs, b.Bands) : new(Graph.ExecutionOrder[step], 0, 1);
    }

    /// <summary>
    /// Runs step <paramref name="step"/> only (for verification tools and debugging). Running steps
    /// 0..StepCount-1 in order equals <see cref="Run()"/>; right after step i the outputs of op
    /// <c>Graph.ExecutionOrder[i]</c> are live and readable through <see cref="Tensor"/> (later steps may
    /// reuse their arena bytes).
    /// </summary>
    public void RunStep(int step)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        RunOp(ops[step]);
    }

    /// <summary>Stops and joins the worker threads (idempotent). Not concurrently with <see cref="Run()"/>.</summary>
    public void Dispose()
    {
        disposed = true;
        workers?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>An engine dropped without <see cref="Dispose"/> still lets its workers exit.</summary>
    ~InferenceEngine() => workers?.SignalStop();

    /// <summary>Copies <paramref name="input"/> into the single graph input, runs, and returns output 0 (a span into the arena).</summary>
    public ReadOnlySpan<byte> Run(ReadOnlySpan<byte> input)
    {
        var destination = Input(0);
        if (input.Length != destination.Length)
        {
            throw new ArgumentException($"input: {input.Length} bytes, the graph input takes {destination.Length}.", nameof(input));
        }
        input.CopyTo(destination);
        Run();
        return Output(0);
    }
}

/// <summary>Builds the prepared op of one graph op; kernel refusals become <see cref="BlobFormatException"/>.</summary>
internal static class OpFactory
{
    public static EngineOp Prepare(ModelGraph graph, GraphOp op, Dictionary<(WeightRef, ConvGeometry), PackedConvWeights> weightCache)
    {
        var t = graph.Tensors;
        var x = t[op.Inputs[0]];
        var y = t[op.Outputs[0]];
        var a = op.Attributes;
        int[] p = op.Parameters;
        string field = $"ops[{op.Index}].paramSet";
        long fieldOffset = op.ParameterOffset;
        try
        {
            switch (op.Type)
            {
                case GraphOpType.Conv2D:
                {
                    var g = a.Conv(x.Height, x.Width, x.Channels, y.Channels, (int)a.Groups);
                    var w = op.Record.Weights!.Value;
                    if (!weightCache.TryGetValue((w, g), out var packed))
                    {
                        field = $"ops[{op.Index}].weights.offset";
                        fieldOffset = op.RecordOffset + GraphFormat.OWeightOffset;
                        packed = new PackedConvWeights(g, w.Format, op.Weights);
                        weightCache[(w, g)] = packed;
                        field = $"ops[{op.Index}].paramSet";
                        fieldOffset = op.ParameterOffset;
                    }
                    var (bias, requant, negative, range) = RequantBlock(p, y.Channels, op.Record.Flags);
                    return new ConvOp(QuantizedConv.Prepare(g, x.Format, packed, bias, requant, y.Format, range, negative: negative));
                }
                case GraphOpType.DepthwiseConv2D:
                {
                    var g = a.Conv(x.Height, x.Width, x.Channels, y.Channels, (int)a.Groups);
                    var (bias, requant, negative, range) = RequantBlock(p, y.Channels, op.Record.Flags);
                    if (negative.Length > 0)
                    {
                        throw new ArgumentException("a fused LeakyReLU (op flag 1) is not supported by the depthwise kernels yet.");
                    }
                    return new DepthwiseOp(DepthwiseConvolution.FromPackedWeights(g, x.Format, op.Weights, bias, requant, range, y.Format));
                }
                case GraphOpType.Add:
                {
                    var b = t[op.Inputs[1]];
                    var q = new QuantizedAddParams(x.Format, b.Format, y.Format, p[0], new ChannelRequant(p[1], p[2]),
                        new ChannelRequant(p[3], p[4]), new ChannelRequant(p[5], p[6]), p[7] == 1, checked(y.Height * y.Width * y.Channels));
                    return new AddOp(q, QuantizedAddKernels.Selected);
                }
                case GraphOpType.MaxPool:
                {
                    var g = new PoolGeometry(1, x.Height, x.Width, x.Channels, a.KernelH, a.KernelW, a.StrideH, a.StrideW,
                        a.PadTop, a.PadLeft, a.PadBottom, a.PadRight);
                    return new MaxPoolOp(new MaxPoolParams(g, x.Format), MaxPoolKernels.Selected);
                }
                case GraphOpType.GlobalAveragePool:
                    return new GlobalAveragePoolOp(new GlobalAveragePoolParams(1, x.Height, x.Width, x.Channels, x.Format, y.Format,
                        new ChannelRequant(p[0], p[1]), p[2] == 1), GlobalAveragePoolKernels.Selected);
                case GraphOpType.ResizeBilinear:
                    return new BilinearOp(new BilinearParams(1, x.Height, x.Width, y.Height, y.Width, x.Channels, x.Format,
                        (BilinearCoordinates)a.Extra), BilinearKernels.Selected);
                case GraphOpType.ResizeNearest2x:
                    return new NearestUpsample2xOp(new NearestUpsample2xParams(1, x.Height, x.Width, x.Format.PixelBytes(x.Channels)));
                case GraphOpType.Concat:
                    return new ConcatOp(new ConcatChannelsParams(y.Height * y.Width, [.. op.Inputs.Select(i => t[i].Channels)]));
                case GraphOpType.Requantize:
                    return new RequantizeOp(new RequantizeParams(x.Format, y.Format, new ChannelRequant(p[0], p[1]), x.Height * x.Width, x.Channels),
                        RequantizeKernels.Selected);
                case GraphOpType.LookupTable:
                    return new LookupTableOp(LookupTableFromBlock(p, x.Format, y.Format), LookupTableKernels.Selected);
                case GraphOpType.ChannelSlice:
                    return new ChannelSliceOp(new ChannelSliceParams(x.Height * x.Width, x.Channels, (int)a.Extra, y.Channels));
                case GraphOpType.ChannelShuffle:
                    return new ChannelShuffleOp(new ChannelShuffleParams(x.Height * x.Width, x.Channels, (int)a.Groups));
                default:
                    throw new ArgumentException($"op type {op.Type} is not supported by this engine.");
            }
        }
        catch (ArgumentException e)
        {
            throw new BlobFormatException(graph.SourceName, "graph", field, fieldOffset,
                $"{op.Type} '{op.Record.Name}' cannot be prepared: {e.Message}", e);
        }
    }

    /// <summary>bias, multipliers, negative-side multipliers (empty without the LeakyRelu flag), range.</summary>
    private static (int[] Bias, ChannelRequant[] Requant, ChannelRequant[] Negative, OutputRange Range) RequantBlock(int[] p, int c, GraphOpFlags flags)
    {
        var requant = new ChannelRequant[c];
        for (int i = 0; i < c; i++)
        {
            requant[i] = new ChannelRequant(p[c + i], p[2 * c + i]);
        }
        bool leaky = (flags & GraphOpFlags.LeakyRelu) != 0;
        var negative = new ChannelRequant[leaky ? c : 0];
        for (int i = 0; i < negative.Length; i++)
        {
            negative[i] = new ChannelRequant(p[3 * c + i], p[4 * c + i]);
        }
        int r = leaky ? 5 * c : 3 * c;
        return (p[..c], requant, negative, new OutputRange(p[r], p[r + 1], p[r + 2]));
    }

    /// <summary>The blob's table (values by input byte pattern) as the kernel's table (by input code: pattern XOR 0x80 for int8).</summary>
    private static LookupTable LookupTableFromBlock(int[] p, ActivationFormat input, ActivationFormat output)
    {
        var values = new int[LookupTable.Size];
        int xor = input.Storage == ActivationStorage.Int8 ? 0x80 : 0;
        for (int pattern = 0; pattern < LookupTable.Size; pattern++)
        {
            values[pattern ^ xor] = p[pattern];
        }
        return LookupTable.FromValues(input, output, values);
    }
}
