using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace AQD.Edge.Train;

/// <summary>
/// Writes a trained QAT model as an AQD PyTorch checkpoint (a real torch.save zip state_dict, written
/// with TorchSharp.PyBridge) plus its policy file, in the key convention of docs/aqd-models.md, so that
/// <c>pack-model pack-aqd model.pth --policy policy.json</c> packs it. Weights are saved standardized
/// (the training-time weight standardization folded in) with their learned clips, so the importer's
/// quantization of the saved tensors gives the training levels; BN per level in the shared towers
/// (.norm.{level}; a shared-BN model writes its one BN for every level); activation clips under the
/// key of the conv that quantizes its input; int16 stream and FPN scales from <see cref="CalibrateInt16"/>.
/// </summary>
public static class CheckpointExport
{
    public const double Int16Headroom = 16000;

    /// <summary>The checkpoint of <paramref name="m"/> (its int16 scales must be calibrated: <see cref="AqdDetectorModel.Int16Scales"/>).</summary>
    public static Dictionary<string, Tensor> StateDict(AqdDetectorModel m)
    {
        var sd = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var c in m.AllConvs())
            {
                sd[c.Name + ".weight"] = c.FloatWeight().detach().clone().contiguous();
                sd[c.Name + ".quan_w.alpha"] = c.Alpha.detach().abs().clone();
                if (c.Bias is not null)
                {
                    sd[c.Name + ".bias"] = c.Bias.detach().clone();
                }
                for (int l = 0; l < c.Norms.Length; l++)
                {
                    string n = c.Norms.Length == 1 ? c.Name + ".norm" : $"{c.Name}.norm.{l}";
                    var bn = c.Norms[l];
                    sd[n + ".weight"] = bn.Gamma.detach().clone();
                    sd[n + ".bias"] = bn.Beta.detach().clone();
                    sd[n + ".running_mean"] = bn.RunningMean.clone();
                    sd[n + ".running_var"] = bn.RunningVar.clone();
                }
            }
            foreach (var q in m.AllQuantizers())
            {
                sd[q.Key] = q.Clip.detach().abs().clone();
            }
            for (int l = 0; l < m.LevelScales.Length; l++)
            {
                sd[$"{m.Head}scales.{l}.scale"] = m.LevelScales[l].detach().reshape(1).clone();
            }
            for (int s = 0; s < 4; s++)
            {
                sd[$"backbone.bottom_up.res{s + 2}.stream_scale"] = tensor((float)m.GroupScale($"layer{s + 1}"));
            }
            sd["backbone.fpn_sum_scale"] = tensor((float)m.GroupScale("fpn"));
        }
        return sd;
    }

    /// <summary>
    /// The int16 scales of the stream groups (layer1..4, fpn): the largest |value| seen in fake-quant
    /// evaluation on the calibration images maps to about 16000 (the builder's rule); layer1 becomes the
    /// stem scale / 2^e (its first add takes the uint8 max-pool output; key "layer1.shift" = e). Sets
    /// <see cref="AqdDetectorModel.Int16Scales"/>: from then on fake-quant forwards simulate the int16 rounding.
    /// </summary>
    public static Dictionary<string, double> CalibrateInt16(AqdDetectorModel m, IEnumerable<Tensor> batches)
    {
        m.Int16Scales = null;
        var max = new Dictionary<string, double>();
        using (no_grad())
        {
            foreach (var x in batches)
            {
                using var scope = NewDisposeScope();
                m.Forward(x, ForwardMode.QatEval with { GroupMax = max });
            }
        }
        var scales = max.ToDictionary(kv => kv.Key, kv => Math.Max(kv.Value, 1e-6) / Int16Headroom);
        double stem = Math.Abs(m.StemOut.Clip.item<float>()) / 255;
        int e = Math.Max(0, (int)Math.Floor(Math.Log2(stem / scales["layer1"])));
        scales["layer1"] = Math.ScaleB(stem, -e);
        scales["layer1.shift"] = e;
        m.Int16Scales = scales;
        return scales;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write(string pthPath, string policyPath, ModelConfig config, IReadOnlyDictionary<string, Tensor> sd)
    {
        File.Delete(pthPath);   // PickleStateDict does not truncate an existing, longer file (a corrupt zip)
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(pthPath, sd.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32)));
        File.WriteAllText(policyPath, JsonSerializer.Serialize(config.ToPolicy(), Json) + "\n");
    }
}
