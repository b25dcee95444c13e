using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Onnx.Import;

/// <summary>
/// Which tensors and convs of a float graph go low-bit under a <see cref="BitPolicy"/>:
/// <list type="bullet">
/// <item>each conv's width b = its per-layer override, else the policy's width for its <see cref="ConvRole"/>; its weights are b-bit;</item>
/// <item>a b-bit conv (b &lt; 8) reads a b-bit unsigned packed activation unless its input is the network
/// input or can be negative (calibrated min &lt; 0): then it reads the 8-bit tensor;</item>
/// <item>a conv output read only by convs that take it at the same b (and not a graph output) is
/// written directly packed by that conv; any other tensor a b-bit input needs (an Add, MaxPool, or
/// shared output) stays 8-bit and one Requantize per (tensor, b) converts it;</item>
/// <item>b-bit activation scales: clip / (2^b - 1), clip = the calibration histogram's MSE-optimal
/// threshold at 2^b - 1 levels (whatever --calibrate-method says for the 8-bit tensors).</item>
/// </list>
/// </summary>
internal sealed class LowBitPlan
{
    private readonly Dictionary<FloatLayer, int> convBits = [];
    private readonly Dictionary<FloatLayer, int> inputBits = [];
    private readonly Dictionary<string, int> packedOutputs = [];
    private readonly Dictionary<string, TensorStatistics> stats;

    public LowBitPlan(FloatOnnxGraph graph, BitPolicy policy, Dictionary<string, TensorStatistics> stats, IReadOnlyDictionary<string, TensorRange> ranges)
    {
        this.stats = stats;
        Roles = BitPolicy.Roles(graph);
        string input = graph.InputAffine?.Output ?? graph.Input.Name;
        var unknown = policy.Overrides.Keys.Where(n => !Roles.Keys.Any(l => l.Node.Name == n || l.Output == n)).ToList();
        if (unknown.Count > 0)
        {
            throw new OnnxImportException(
                $"--bits: no conv has the node or output name {string.Join(", ", unknown.Select(n => $"'{n}'"))}; convs: " +
                string.Join(", ", Roles.Keys.Take(12).Select(l => $"'{l.Node.Name}' (output '{l.Output}')")) + (Roles.Count > 12 ? ", ..." : "") + ".");
        }
        foreach (var (layer, role) in Roles)
        {
            int b = policy.Bits(layer, role);
            convBits[layer] = b;
            string x = layer.Inputs[0];
            bool lowIn = b < 8 && x != input && x != graph.Input.Name && ranges.TryGetValue(x, out var r) && r.Min >= 0;
            inputBits[layer] = lowIn ? b : 8;
        }
        var outputs = graph.Outputs.ToHashSet();
        var consumers = graph.Layers.SelectMany(l => l.Inputs.Distinct().Select(i => (Tensor: i, Layer: l))).ToLookup(p => p.Tensor, p => p.Layer);
        foreach (var producer in graph.Layers.Where(l => l.Kind == FloatLayerKind.Conv))
        {
            var readers = consumers[producer.Output].ToList();
            if (readers.Count == 0 || outputs.Contains(producer.Output))
            {
                continue;
            }
            int b = readers.All(r => r.Kind == FloatLayerKind.Conv && r.Inputs[0] == producer.Output) ? inputBits[readers[0]] : 8;
            if (b < 8 && readers.All(r => inputBits[r] == b))
            {
                packedOutputs[producer.Output] = b;
            }
        }
    }

    public Dictionary<FloatLayer, ConvRole> Roles { get; }

    /// <summary>Weight bits of a conv.</summary>
    public int WeightBits(FloatLayer conv) => convBits[conv];

    /// <summary>Activation bits a conv reads (8, or b for a packed b-bit input).</summary>
    public int InputBits(FloatLayer conv) => inputBits[conv];

    /// <summary>The packed (scale, format) of a conv output written directly in b bits, or null for 8-bit.</summary>
    public (float Scale, ActivationFormat Format)? PackedOutput(string tensor)
        => packedOutputs.TryGetValue(tensor, out int b) ? (LowScale(tensor, b), ActivationFormat.Packed(b)) : null;

    /// <summary>Scale of the b-bit unsigned version of a (non-negative) tensor: MSE-optimal clip / (2^b - 1).</summary>
    public float LowScale(string tensor, int bits)
    {
        int levels = (1 << bits) - 1;
        float clip = stats[tensor].MseThreshold(levels);
        return Math.Max(clip, 1e-8f) / levels;
    }

    public int PackedOutputCount => packedOutputs.Count;
}
