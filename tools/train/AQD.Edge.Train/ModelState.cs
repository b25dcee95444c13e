using AQD.Edge.Aqd.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace AQD.Edge.Train;

/// <summary>
/// Saves / loads every parameter and BN buffer of a model under its training names (a torch.save
/// state_dict, TorchSharp.PyBridge writes it, the repository's <see cref="PthReader"/> reads it back): the float
/// model of a run (float.pth), so QAT at other bit widths or with a shared head BN can start from it.
/// </summary>
public static class ModelState
{
    public static void Save(AqdDetectorModel m, string path)
    {
        var sd = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in m.Params.Parameters)
        {
            sd[name] = p.detach().clone();
        }
        foreach (var (name, t) in m.Params.Buffers)
        {
            sd[name] = t.clone();
        }
        File.Delete(path);   // PickleStateDict does not truncate an existing file
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(path, sd);
    }

    /// <summary>Loads a saved state; every tensor of the model must be present with its shape (errors list what is wrong).</summary>
    public static void Load(AqdDetectorModel m, string path)
    {
        var state = PthReader.Read(path);
        var problems = new List<string>();
        using var _ = no_grad();
        foreach (var (name, t) in m.Params.Parameters.Select(p => (p.Name, (Tensor)p.P)).Concat(m.Params.Buffers))
        {
            if (!state.TryGetValue(name, out var v))
            {
                problems.Add($"missing {name}");
                continue;
            }
            if (!v.Shape.Select(d => (long)d).SequenceEqual(t.shape))
            {
                problems.Add($"{name}: [{string.Join(", ", v.Shape)}], the model has [{string.Join(", ", t.shape)}]");
                continue;
            }
            t.copy_(tensor(v.Values.Select(x => (float)x).ToArray(), t.shape));
        }
        if (problems.Count > 0)
        {
            throw new FormatException($"{path}: does not fit the model ({problems.Count} problems): {string.Join("; ", problems.Take(10))}");
        }
    }
}
