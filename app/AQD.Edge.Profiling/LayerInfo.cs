using AQD.Edge.Engine;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Profiling;

/// <summary>
/// One engine step as the profiler reports it: the op (name, type), its output shape (H x W x C),
/// weight bits (null for ops without weights), output activation bits, multiply-accumulates of one
/// run (0 for ops without MACs), the row bands it runs in and its <see cref="LayerGroup"/>.
/// </summary>
public sealed record LayerInfo(int Step, int OpIndex, string Name, string OpType, int Height, int Width, int Channels,
    int? WeightBits, int ActivationBits, long Macs, int Bands, LayerGroup Group)
{
    public string Shape => $"{Height}x{Width}x{Channels}";

    /// <summary>"w4a4", "a8" (no weights), ...</summary>
    public string Bits => WeightBits is { } w ? $"w{w}a{ActivationBits}" : $"a{ActivationBits}";

    /// <summary>Every step of <paramref name="engine"/> in execution order.</summary>
    public static LayerInfo[] Describe(InferenceEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var graph = engine.Graph;
        var groups = LayerGroups.Classify(graph);
        var layers = new LayerInfo[engine.StepCount];
        for (int step = 0; step < layers.Length; step++)
        {
            var info = engine.StepInfo(step);
            var op = graph.Ops[info.OpIndex];
            var y = graph.Tensors[op.Outputs[0]];
            int? weightBits = op.Record.Weights is { } w && w.Section != GraphFormat.None ? w.Format.Bits : null;
            layers[step] = new LayerInfo(step, info.OpIndex, string.IsNullOrEmpty(op.Record.Name) ? $"op{info.OpIndex}" : op.Record.Name!,
                op.Type.ToString(), y.Height, y.Width, y.Channels, weightBits, y.Format.Bits, info.Macs, info.Bands, groups[step]);
        }
        return layers;
    }
}
