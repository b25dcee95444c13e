using System.Security.Cryptography;

namespace AQD.Edge.Aqd.Checkpoints;

/// <summary>An AQD checkpoint does not fit its policy: lists every missing, unexpected, mis-shaped or invalid key.</summary>
public sealed class AqdCheckpointException(string message) : Exception(message);

/// <summary>
/// Builds an <see cref="AqdNetwork"/> from an AQD PyTorch state_dict (<see cref="PthReader"/>) and
/// its policy file (<see cref="AqdPolicy"/>): the structure of <see cref="AqdNetworkBuilder"/>, with
/// the checkpoint's weights (quantized by its weight clips), BN (folded with the policy's eps), clip
/// values and, when present, int16 scales; lowered with <see cref="AqdLowering"/> and written with
/// <see cref="AqdBlobWriter"/> like any AQD network. Key names: <see cref="AqdCheckpointNames"/>.
/// Keys ending in ".num_batches_tracked" are ignored; any other problem is collected and reported
/// in one <see cref="AqdCheckpointException"/>.
/// </summary>
public static class AqdCheckpointImporter
{
    /// <summary>Reads the .pth and the policy, builds and lowers; <paramref name="calibrationImage"/> only for int16 scales the checkpoint lacks.</summary>
    public static AqdNetwork Import(string pthPath, string policyPath, string? calibrationImage = null)
    {
        var policy = AqdPolicy.Load(policyPath);
        var options = policy.ToOptions();
        var state = PthReader.Read(pthPath);
        byte[]? image = calibrationImage is null ? null : AqdImages.LoadBgr(calibrationImage, options.InputWidth, options.InputHeight);
        var net = Import(state, policy, image, Path.GetFileName(pthPath));
        using var f = File.OpenRead(pthPath);
        net.Source = new AqdSourceInfo(Path.GetFileName(pthPath), "pytorch", Convert.ToHexStringLower(SHA256.HashData(f)));
        return net;
    }

    public static AqdNetwork Import(IReadOnlyDictionary<string, PthTensor> state, AqdPolicy policy, byte[]? calibrationBgr, string fileName = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(policy);
        var options = policy.ToOptions();
        var source = new CheckpointSource(state, options, policy.BnEps, fileName, calibrationBgr is not null);
        var image = calibrationBgr ?? Enumerable.Repeat((byte)options.InputZeroPoint, options.InputWidth * options.InputHeight * 3).ToArray();
        var net = AqdNetworkBuilder.Build(options, source, image);
        net.Source = new AqdSourceInfo(fileName, "pytorch", "");
        return net;
    }

    private sealed class CheckpointSource(IReadOnlyDictionary<string, PthTensor> state, AqdModelOptions o, double eps, string file, bool haveImage)
        : IAqdParameterSource
    {
        private readonly AqdCheckpointNames names = new(o);
        private readonly HashSet<string> used = [];
        private readonly List<string> missing = [], misshaped = [], invalid = [];
        private readonly Dictionary<string, double> groupScales = [];

        public AqdWeights Weights(string name, int outChannels, int kernel, int inChannels, int bits)
        {
            string p = names.Prefix(name);
            var w = Get(p + AqdCheckpointNames.Weight, [outChannels, inChannels, kernel, kernel]);
            double alpha = Scalar(p + AqdCheckpointNames.WeightAlpha, positive: true) ?? 1;
            // PyTorch OIHW -> [cout][k][k][cin]
            var hwc = new double[outChannels * kernel * kernel * inChannels];
            if (w is not null)
            {
                for (int oc = 0; oc < outChannels; oc++)
                {
                    for (int ic = 0; ic < inChannels; ic++)
                    {
                        for (int k = 0; k < kernel * kernel; k++)
                        {
                            hwc[((oc * kernel * kernel) + k) * inChannels + ic] = w[((oc * inChannels) + ic) * kernel * kernel + k];
                        }
                    }
                }
            }
            var (levels, scale) = AqdQuantizers.QuantizeWeights(hwc, bits, alpha);
            return new AqdWeights(name, outChannels, kernel, inChannels, AqdQuantizers.WeightFormat(bits), levels, scale);
        }

        public (double[] Gain, double[] Offset) Affine(string convName, int outChannels)
        {
            var (baseName, level) = AqdCheckpointNames.SplitLevel(convName);
            string p = names.Prefix(baseName);
            var gain = new double[outChannels];
            var offset = new double[outChannels];
            Array.Fill(gain, 1);
            if (level >= 0 && !AqdCheckpointNames.IsTower(baseName))
            {
                // prediction conv: bias, times the FCOS level scale for the box regression
                var bias = Get(p + ".bias", [outChannels]);
                double ls = names.IsLevelScaled(baseName) ? Scalar(names.LevelScaleKey(level), positive: true) ?? 1 : 1;
                for (int c = 0; c < outChannels; c++)
                {
                    gain[c] = ls;
                    offset[c] = ls * (bias?[c] ?? 0);
                }
                return (gain, offset);
            }
            string n = p + (level >= 0 ? $".norm.{level}" : ".norm");
            var gamma = Get(n + ".weight", [outChannels]);
            var beta = Get(n + ".bias", [outChannels]);
            var mean = Get(n + ".running_mean", [outChannels]);
            var variance = Get(n + ".running_var", [outChannels]);
            if (gamma is null || beta is null || mean is null || variance is null)
            {
                return (gain, offset);
            }
            for (int c = 0; c < outChannels; c++)
            {
                double g = gamma[c] / Math.Sqrt(variance[c] + eps);
                if (!(g > 0) || !double.IsFinite(g) || !double.IsFinite(beta[c]) || !double.IsFinite(mean[c]))
                {
                    invalid.Add($"{n}: channel {c}: gamma {gamma[c]}, running_var {variance[c]} (folded gains must be positive and finite: a shared weight set cannot absorb a sign)");
                    return (gain, offset);
                }
                gain[c] = g;
                offset[c] = beta[c] - g * mean[c];
            }
            return (gain, offset);
        }

        public double Clip(string tensorName) => Scalar(names.ClipKey(tensorName), positive: true) ?? 1;

        public double? GroupScale(string group) => groupScales.TryGetValue(group, out double s) ? s : null;

        public void Complete()
        {
            foreach (string group in new[] { "layer1", "layer2", "layer3", "layer4", "fpn" })
            {
                string key = AqdCheckpointNames.GroupScaleKey(group);
                if (state.ContainsKey(key))
                {
                    if (Scalar(key, positive: true) is { } s)
                    {
                        groupScales[group] = s;
                    }
                }
                else if (!haveImage)
                {
                    missing.Add($"{key} (optional int16 scale: without it, give a calibration image)");
                }
            }
            var unexpected = state.Keys.Where(k => !used.Contains(k) && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            if (missing.Count + misshaped.Count + invalid.Count + unexpected.Count == 0)
            {
                return;
            }
            var lines = new List<string> { $"{file}: the checkpoint does not fit the policy ({o.ModelName}, backbone width {o.BackboneWidth}, FPN {o.FpnChannels}, {o.NumClasses} classes):" };
            void Section(string title, List<string> items)
            {
                if (items.Count > 0)
                {
                    lines.Add($"  {title} ({items.Count}):");
                    lines.AddRange(items.Distinct().Select(i => "    " + i));
                }
            }
            Section("missing keys", missing);
            Section("unexpected keys", unexpected);
            Section("mis-shaped keys", misshaped);
            Section("invalid values", invalid);
            throw new AqdCheckpointException(string.Join(Environment.NewLine, lines));
        }

        private double[]? Get(string key, int[] shape)
        {
            if (!used.Add(key) && !state.ContainsKey(key))
            {
                return null;
            }
            if (!state.TryGetValue(key, out var t))
            {
                missing.Add($"{key} [{string.Join(", ", shape)}]");
                return null;
            }
            if (!t.Shape.SequenceEqual(shape))
            {
                misshaped.Add($"{key}: [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", shape)}]");
                return null;
            }
            if (t.DType == PthDType.Int64)
            {
                misshaped.Add($"{key}: int64, a floating tensor expected");
                return null;
            }
            if (t.Values.Any(v => !double.IsFinite(v)))
            {
                invalid.Add($"{key}: non-finite values");
                return null;
            }
            return t.Values;
        }

        /// <summary>A one-element tensor (shape [] or [1]).</summary>
        private double? Scalar(string key, bool positive)
        {
            bool first = !used.Contains(key);
            used.Add(key);
            if (!state.TryGetValue(key, out var t))
            {
                if (first)
                {
                    missing.Add($"{key} [] or [1]");
                }
                return null;
            }
            if (t.Count != 1 || t.Shape.Count > 1 || t.DType == PthDType.Int64)
            {
                if (first)
                {
                    misshaped.Add($"{key}: {t.DType} [{string.Join(", ", t.Shape)}], a floating scalar ([] or [1]) expected");
                }
                return null;
            }
            double v = t.Values[0];
            if (positive && !(v > 0 && double.IsFinite(v)))
            {
                if (first)
                {
                    invalid.Add($"{key} = {v}: must be positive and finite");
                }
                return null;
            }
            return v;
        }
    }
}
