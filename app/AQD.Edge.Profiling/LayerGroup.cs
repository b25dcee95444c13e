using AQD.Edge.Model.Graph;

namespace AQD.Edge.Profiling;

/// <summary>Coarse part of a detector a layer belongs to (for per-group timings in reports and MQTT stats).</summary>
public enum LayerGroup
{
    Backbone,
    Neck,
    Head,

    /// <summary>Work after the engine (decode, NMS): never an engine step; filled in by the caller.</summary>
    PostProcessing,
}

/// <summary>
/// Assigns engine steps to <see cref="LayerGroup"/>s. A heuristic, for reports only:
/// <list type="number">
/// <item>op names, the way PyTorch exports name modules: "backbone" → backbone; "head", "cls_",
/// "reg_", "bbox" → head; "fpn", "neck", "lateral" → neck;</item>
/// <item>otherwise the graph's structure: with several graph outputs, an op that reaches only some
/// of them is head (a per-level or per-output branch); an op that reaches all of them is neck if it
/// runs at or after the first resize (the feature pyramid's upsampling), else backbone. A graph with
/// one output (a classifier such as ResNet-18) is all backbone.</item>
/// </list>
/// </summary>
public static class LayerGroups
{
    private static readonly string[] NeckWords = ["fpn", "neck", "lateral"];
    private static readonly string[] HeadWords = ["head", "cls_", "reg_", "bbox"];

    /// <summary>One group per step of <paramref name="graph"/>'s execution order.</summary>
    public static LayerGroup[] Classify(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var order = graph.ExecutionOrder;
        var groups = new LayerGroup[order.Count];
        var reach = OutputsReached(graph);
        ulong all = graph.Outputs.Count >= 64 ? ulong.MaxValue : (1UL << graph.Outputs.Count) - 1;
        bool afterResize = false;
        for (int step = 0; step < groups.Length; step++)
        {
            var op = graph.Ops[order[step]];
            afterResize |= op.Type is GraphOpType.ResizeNearest2x or GraphOpType.ResizeBilinear;
            string name = op.Record.Name?.ToLowerInvariant() ?? "";
            groups[step] =
                name.Contains("backbone", StringComparison.Ordinal) ? LayerGroup.Backbone
                : HeadWords.Any(w => name.Contains(w, StringComparison.Ordinal)) ? LayerGroup.Head
                : NeckWords.Any(w => name.Contains(w, StringComparison.Ordinal)) ? LayerGroup.Neck
                : graph.Outputs.Count < 2 ? LayerGroup.Backbone
                : reach[op.Index] != all ? LayerGroup.Head
                : afterResize ? LayerGroup.Neck
                : LayerGroup.Backbone;
        }
        return groups;
    }

    /// <summary>Per op index: a bit per graph output its result flows into.</summary>
    private static ulong[] OutputsReached(ModelGraph graph)
    {
        var byTensor = new ulong[graph.Tensors.Count];
        for (int i = 0; i < graph.Outputs.Count; i++)
        {
            byTensor[graph.Outputs[i]] |= i >= 64 ? ulong.MaxValue : 1UL << i;
        }
        var byOp = new ulong[graph.Ops.Count];
        for (int step = graph.ExecutionOrder.Count - 1; step >= 0; step--)
        {
            var op = graph.Ops[graph.ExecutionOrder[step]];
            ulong r = 0;
            foreach (int t in op.Outputs)
            {
                r |= byTensor[t];
            }
            byOp[op.Index] = r;
            foreach (int t in op.Inputs)
            {
                byTensor[t] |= r;
            }
        }
        return byOp;
    }
}
