using System.Runtime.InteropServices;
using AQD.Edge.Engine;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using Microsoft.ML.OnnxRuntime;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;

namespace AQD.Edge.Onnx.Import;

/// <summary>How <see cref="FloatOnnxPacker"/> sets the conv biases.</summary>
public enum BiasCorrection
{
    /// <summary>The float bias, rounded to int32 at s_in s_w (low-bit weights keep their analytic correction).</summary>
    None,

    /// <summary>
    /// Empirical, sequential (<see cref="EmpiricalBiasCorrection"/>): each conv's bias is moved by the per-channel mean of
    /// float minus integer output over the calibration images, measured with every conv before it already corrected.
    /// </summary>
    Empirical,
}

/// <summary>
/// Empirical bias correction, done sequentially (Nagel et al. 2019, "Data-Free Quantization through Weight
/// Equalization and Bias Correction", section 4.2, empirical form; as in AIMET): the integer model's conv outputs
/// are biased relative to the float model's (weight rounding, the 8-bit rounding of every activation before,
/// clamping), and the bias compounds through the network. For every conv, on the calibration images,
/// target[c] = mean over pixels and images of the float model's output channel c (ONNX Runtime), clamped to the
/// output tensor's quantized range (a correction must not chase values the 8-bit tensor cannot hold, e.g. class
/// logits below the Sigmoid input floor); measured[c] = the same mean of the integer engine's dequantized
/// output. The conv's bias (before its fused activation) moves by (target - measured) / slope[c], slope[c] = the
/// channel's mean activation slope in the float model: p + alpha (1 - p) with p the share of outputs &gt;= 0
/// (alpha: LeakyReLU's, 0 for ReLU, 1 without activation), at least <see cref="MinSlope"/>. "Sequential": a conv is
/// measured only once every conv it depends on is corrected: the convs are processed in waves of equal conv depth
/// (<see cref="Waves"/>); each wave packs the blob with the corrections so far and runs the engine on the images up
/// to that wave's last step, so each correction removes the bias that remains given the corrections upstream (a
/// single global pass corrects upstream drift twice).
/// </summary>
public static class EmpiricalBiasCorrection
{
    /// <summary>
    /// Per conv output (the <see cref="FloatLayer.Output"/> name), the float offsets to add to its biases.
    /// <paramref name="pack"/> builds the blob with given offsets; <paramref name="blobNames"/> maps layer outputs to
    /// blob tensor names where they differ (graph outputs); <paramref name="quant"/> is each tensor's quantization;
    /// <paramref name="onnxInput"/> the float network input normalization (ONNX Runtime side), <paramref name="blobInput"/>
    /// the blob input's (engine side).
    /// </summary>
    public static Dictionary<string, double[]> Compute(FloatOnnxGraph graph, IReadOnlyList<string> images, InputNormalization onnxInput,
        InputNormalization blobInput, IReadOnlyDictionary<string, (float Scale, ActivationFormat Format)> quant,
        IReadOnlyDictionary<string, string> blobNames, Func<IReadOnlyDictionary<string, double[]>, byte[]> pack, Action<int, int>? progress = null)
    {
        var convs = graph.Layers.Where(l => l.Kind == FloatLayerKind.Conv).ToList();
        var waves = Waves(graph);
        var (c, h, w) = Calibrator.InputShape(graph);
        var pixels = images.Select(p => CalibrationImages.LoadHwc(p, w, h, c)).ToList();
        var targets = FloatTargets(graph, convs, pixels, onnxInput, quant, c, h, w);
        var offsets = convs.ToDictionary(l => l.Output, l => new double[l.Conv!.M]);
        int round = 0;
        foreach (var wave in waves)
        {
            progress?.Invoke(++round, waves.Count);
            var measured = Measure(pack(offsets), wave, pixels, blobInput, blobNames);
            foreach (var l in wave)
            {
                var (sum, count) = measured[l.Output];
                for (int k = 0; k < sum.Length; k++)
                {
                    offsets[l.Output][k] += (targets[l.Output].Mean[k] - sum[k] / count) / targets[l.Output].Slope[k];
                }
            }
        }
        return offsets;
    }

    /// <summary>The convs grouped by conv depth (1 + the largest depth of the convs it reads through other ops), in order.</summary>
    public static List<List<FloatLayer>> Waves(FloatOnnxGraph graph)
    {
        var producer = graph.Layers.ToDictionary(l => l.Output);
        var depth = new Dictionary<string, int>();   // tensor -> conv depth of its value
        int Depth(string tensor)
        {
            if (depth.TryGetValue(tensor, out int d))
            {
                return d;
            }
            if (!producer.TryGetValue(tensor, out var l))
            {
                return 0;   // the graph input
            }
            d = l.Inputs.Select(Depth).DefaultIfEmpty(0).Max() + (l.Kind == FloatLayerKind.Conv ? 1 : 0);
            depth[tensor] = d;
            return d;
        }
        return [.. graph.Layers.Where(l => l.Kind == FloatLayerKind.Conv).GroupBy(l => Depth(l.Output)).OrderBy(g => g.Key).Select(g => g.ToList())];
    }

    /// <summary>The smallest mean slope of an output's activation a correction is divided by (a ReLU channel that is almost never positive).</summary>
    private const double MinSlope = 0.1;

    /// <summary>Per conv, the per-channel mean of the float output clamped to its quantized range, through the inverse LeakyReLU.</summary>
    private static Dictionary<string, (double[] Mean, double[] Slope)> FloatTargets(FloatOnnxGraph graph, List<FloatLayer> convs, List<byte[]> pixels,
        InputNormalization norm, IReadOnlyDictionary<string, (float Scale, ActivationFormat Format)> quant, int c, int h, int w)
    {
        var names = convs.Select(l => l.Output).ToList();
        var model = graph.Model.Clone();
        model.Graph.Output.Clear();
        foreach (var name in names)
        {
            model.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        }
        var sums = convs.ToDictionary(l => l.Output, l => new double[l.Conv!.M]);
        var slopes = convs.ToDictionary(l => l.Output, l => new double[l.Conv!.M]);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var runOptions = new RunOptions();
        var counts = new Dictionary<string, long>();
        foreach (var px in pixels)
        {
            var x = norm.ToFloatNchw(px, h, w);
            using var input = OrtValue.CreateTensorValueFromMemory(x, [1, c, h, w]);
            using var results = session.Run(runOptions, [graph.Input.Name], [input], names);
            for (int k = 0; k < convs.Count; k++)
            {
                var l = convs[k];
                var (scale, format) = quant[l.Output];
                double lo = (format.Min - format.ZeroPoint) * (double)scale, hi = (format.Max - format.ZeroPoint) * (double)scale;
                var y = results[k].GetTensorDataAsSpan<float>();
                int m = l.Conv!.M, plane = y.Length / m;
                var sum = sums[l.Output];
                for (int ch = 0; ch < m; ch++)
                {
                    double s = 0;
                    long positive = 0;
                    foreach (float v in y.Slice(ch * plane, plane))
                    {
                        s += Math.Clamp(v, lo, hi);
                        positive += v >= 0 ? 1 : 0;
                    }
                    sum[ch] += s;
                    slopes[l.Output][ch] += positive;
                }
                counts[l.Output] = counts.GetValueOrDefault(l.Output) + plane;
            }
        }
        return convs.ToDictionary(l => l.Output, l =>
        {
            double alpha = l.LeakyAlpha ?? (l.Relu ? 0 : 1);   // slope below 0: LeakyReLU alpha, ReLU 0, linear 1
            long n = counts[l.Output];
            return (sums[l.Output].Select(s => s / n).ToArray(),
                slopes[l.Output].Select(p => Math.Max(MinSlope, p / n + alpha * (1 - p / n))).ToArray());
        });
    }

    /// <summary>Runs the integer model on the images up to the last step of the wave; per conv of the wave, the per-channel sums and the pixel count.</summary>
    private static Dictionary<string, (double[] Sum, long Count)> Measure(byte[] blob, List<FloatLayer> wave, List<byte[]> pixels,
        InputNormalization norm, IReadOnlyDictionary<string, string> blobNames)
    {
        var reader = BlobReader.Open(blob, "bias-correction");
        using var engine = InferenceEngine.Load(reader, new EngineOptions { Threads = 1 });
        var graph = engine.Graph;
        var byName = wave.ToDictionary(l => blobNames.GetValueOrDefault(l.Output, l.Output));
        var steps = new Dictionary<int, List<(GraphTensor Tensor, FloatLayer Layer)>>();
        for (int step = 0; step < engine.StepCount; step++)
        {
            foreach (int id in graph.Ops[graph.ExecutionOrder[step]].Outputs)
            {
                if (graph.Tensors[id].Name is { } name && byName.TryGetValue(name, out var l))
                {
                    var t = graph.Tensors[id];
                    if (t.Format.Storage is not (ActivationStorage.UInt8 or ActivationStorage.Int16))
                    {
                        throw new OnnxImportException($"bias correction: conv output '{name}' is {t.Format}; it measures uint8 and int16 tensors (int8 policies).");
                    }
                    (steps.TryGetValue(step, out var list) ? list : steps[step] = []).Add((t, l));
                }
            }
        }
        if (steps.Values.Sum(s => s.Count) != wave.Count)
        {
            throw new OnnxImportException($"bias correction: {wave.Count - steps.Values.Sum(s => s.Count)} conv output(s) of the wave have no blob tensor.");
        }
        int last = steps.Keys.Max();
        var result = wave.ToDictionary(l => l.Output, l => (Sum: new double[l.Conv!.M], Count: 0L));
        foreach (var px in pixels)
        {
            norm.Quantize(px).CopyTo(engine.Input(0));
            for (int step = 0; step <= last; step++)
            {
                engine.RunStep(step);
                if (!steps.TryGetValue(step, out var outs))
                {
                    continue;
                }
                foreach (var (t, l) in outs)
                {
                    var (sum, count) = result[l.Output];
                    double scale = BitConverter.UInt32BitsToSingle(t.ScaleBits);
                    int m = t.Channels, zp = t.Format.ZeroPoint;
                    var bytes = engine.Tensor(t.Id);
                    if (t.Format.Storage == ActivationStorage.Int16)
                    {
                        var v = MemoryMarshal.Cast<byte, short>(bytes);
                        for (int i = 0; i < v.Length; i++) { sum[i % m] += (v[i] - zp) * scale; }
                        count += v.Length / m;
                    }
                    else
                    {
                        for (int i = 0; i < bytes.Length; i++) { sum[i % m] += (bytes[i] - zp) * scale; }
                        count += bytes.Length / m;
                    }
                    result[l.Output] = (sum, count);
                }
            }
        }
        return result;
    }
}
