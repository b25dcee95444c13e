using System.Text.RegularExpressions;

namespace AQD.Edge.Onnx.Import;

/// <summary>Where a conv sits for the AQD bit policy.</summary>
public enum ConvRole { First, Middle, Last }

/// <summary>
/// AQD-style bit policy M{b}F{b}L{b}: bit widths (2, 3, 4 or 8) of the middle, first and last conv
/// layers; a single width b means M{b}F{b}L{b}. First = a conv reading the network input; last = a
/// conv from whose output no other conv is reachable; a conv that is both takes the wider width;
/// every other conv is middle. A layer's width applies to its weights and to its input activation
/// (see tools/pack-model/README.md, "Low-bit policies"). Per-layer overrides follow the shorthand,
/// comma-separated: <c>M4F8L8,layer2.0.conv1=2,fc=8</c> sets the width of the conv whose ONNX node name
/// (or output tensor name) is given, whatever its role; <see cref="OverrideText"/> holds them in
/// canonical form ("name=b" joined by commas, in the order given).
/// </summary>
public sealed record BitPolicy(int Middle, int First, int Last, string OverrideText = "")
{
    public static BitPolicy Int8 { get; } = new(8, 8, 8);

    /// <summary>Parses "M4F8L8", "8", or either followed by per-layer overrides ",name=b".</summary>
    /// <exception cref="OnnxImportException">Not a policy, a width other than 2, 3, 4, 8, or a malformed / repeated override.</exception>
    public static BitPolicy Parse(string text)
    {
        var parts = (text ?? "").Split(',');
        var overrides = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1))
        {
            int eq = part.LastIndexOf('=');
            string name = eq > 0 ? part[..eq].Trim() : "";
            if (name.Length == 0 || !int.TryParse(part[(eq + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int w) || w is not (2 or 3 or 4 or 8))
            {
                throw new OnnxImportException($"--bits '{text}': per-layer override '{part}' must be <conv node or output name>=<2|3|4|8>.");
            }
            if (!seen.Add(name))
            {
                throw new OnnxImportException($"--bits '{text}': layer '{name}' is given twice.");
            }
            overrides.Add($"{name}={w}");
        }
        var policy = ParseShorthand(text ?? "", parts[0]);
        return policy with { OverrideText = string.Join(",", overrides) };
    }

    private static BitPolicy ParseShorthand(string text, string shorthand)
    {
        var m = Regex.Match(shorthand, "^(?:M([0-9]+)F([0-9]+)L([0-9]+)|([0-9]+))$");
        if (!m.Success)
        {
            throw new OnnxImportException($"--bits '{text}': expected an AQD policy M{{b}}F{{b}}L{{b}} (e.g. M8F8L8, M4F8L8) or a single width (8).");
        }
        int[] b = m.Groups[4].Success
            ? [.. Enumerable.Repeat(int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture), 3)]
            : [.. m.Groups.Cast<Group>().Skip(1).Take(3).Select(g => int.Parse(g.Value, System.Globalization.CultureInfo.InvariantCulture))];
        if (b.Any(v => v is not (2 or 3 or 4 or 8)))
        {
            throw new OnnxImportException($"--bits '{text}': every width must be 2, 3, 4 or 8.");
        }
        return new BitPolicy(b[0], b[1], b[2]);
    }

    public int Bits(ConvRole role) => role switch { ConvRole.First => First, ConvRole.Last => Last, _ => Middle };

    /// <summary>The per-layer overrides: conv node name (or output tensor name) to width.</summary>
    public IReadOnlyDictionary<string, int> Overrides =>
        OverrideText.Length == 0 ? new Dictionary<string, int>() :
        OverrideText.Split(',').ToDictionary(o => o[..o.LastIndexOf('=')], o => int.Parse(o[(o.LastIndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>The override matching a conv by node name, then by output tensor name; null if none.</summary>
    public int? Override(FloatLayer conv) =>
        Overrides.TryGetValue(conv.Node.Name, out int b) || Overrides.TryGetValue(conv.Output, out b) ? b : null;

    /// <summary>The width of a conv: its override, else its role's width.</summary>
    public int Bits(FloatLayer conv, ConvRole role) => Override(conv) ?? Bits(role);

    public bool IsInt8 => Middle == 8 && First == 8 && Last == 8 && Overrides.Values.All(b => b == 8);

    public override string ToString() => OverrideText.Length == 0 ? $"M{Middle}F{First}L{Last}" : $"M{Middle}F{First}L{Last},{OverrideText}";

    /// <summary>The role of every conv layer of <paramref name="graph"/> (first / last as defined above).</summary>
    public static Dictionary<FloatLayer, ConvRole> Roles(FloatOnnxGraph graph)
    {
        var consumers = new Dictionary<string, List<FloatLayer>>();
        foreach (var l in graph.Layers)
        {
            foreach (var i in l.Inputs.Distinct())
            {
                (consumers.TryGetValue(i, out var c) ? c : consumers[i] = []).Add(l);
            }
        }
        string input = graph.InputAffine?.Output ?? graph.Input.Name;
        bool ReachesConv(string tensor, HashSet<string> seen)
        {
            if (!seen.Add(tensor) || !consumers.TryGetValue(tensor, out var next))
            {
                return false;
            }
            return next.Any(l => l.Kind == FloatLayerKind.Conv || ReachesConv(l.Output, seen));
        }
        var roles = new Dictionary<FloatLayer, ConvRole>();
        foreach (var l in graph.Layers.Where(l => l.Kind == FloatLayerKind.Conv))
        {
            bool first = l.Inputs[0] == input || l.Inputs[0] == graph.Input.Name;
            bool last = !ReachesConv(l.Output, []);
            roles[l] = first && last ? ConvRole.First : first ? ConvRole.First : last ? ConvRole.Last : ConvRole.Middle;
        }
        return roles;
    }
}
