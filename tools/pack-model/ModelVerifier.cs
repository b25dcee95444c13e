using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AQD.Edge.Engine;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx;
using AQD.Edge.Onnx.Import;
using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.PackModel;

/// <summary>Agreement of one blob tensor with its ONNX namesake, worst over the images.</summary>
public sealed record LayerAgreement(int Step, string Op, string OpType, string Tensor, string Shape, double SqnrDb, double Cosine, bool IsOutput);

/// <summary>Agreement of one graph output: worst SQNR and cosine over the images, and how often the arg-max agrees.</summary>
public sealed record OutputAgreement(string Tensor, string Shape, double SqnrDb, double Cosine, int ArgMaxAgree, int Images, bool Passed);

/// <summary>What <see cref="ModelVerifier.Verify"/> measured. <see cref="FirstFailingLayer"/> is the first
/// compared tensor in execution order below a threshold (where the error starts).</summary>
public sealed record VerifyReport(string Model, string Reference, int Images, double MinSqnrDb, double MinCosine,
    IReadOnlyList<LayerAgreement> Layers, IReadOnlyList<OutputAgreement> Outputs, bool Passed, string? FirstFailingLayer, IReadOnlyList<string> Notes);

/// <summary>
/// pack-model verify: runs the blob with our integer engine step by step (<see cref="InferenceEngine.RunStep"/>,
/// reading each op's outputs while they are live) and the reference ONNX model with ONNX Runtime (every
/// compared tensor exposed as a graph output, as the calibrator does) on the same images and the same
/// preprocessing as calibration (the metadata's mean/std, stretch resize). Blob tensors are matched to
/// ONNX tensors BY NAME: the packers name every blob tensor after the ONNX tensor it holds (the output
/// of the fused node group: e.g. the Relu after Conv+BN, or the QuantizeLinear output in QDQ models).
/// Quantized reference tensors (uint8/int8, e.g. QLinearConv or QuantizeLinear outputs) are dequantized
/// with the blob tensor's scale and zero point.
/// </summary>
public static class ModelVerifier
{
    public const double DefaultMinSqnrDb = 20, DefaultMinCosine = 0.99;

    public static VerifyReport Verify(byte[] blobBytes, string blobName, byte[] onnx, string onnxName, IReadOnlyList<string> images,
        double minSqnrDb = DefaultMinSqnrDb, double minCosine = DefaultMinCosine, Action<int, int, string>? progress = null)
    {
        var blob = BlobReader.Open(blobBytes, blobName);
        using var engine = InferenceEngine.Load(blob);
        var graph = engine.Graph;
        var meta = blob.Metadata;
        var notes = new List<string>();
        if (!string.Equals(meta.Source.Sha256, Convert.ToHexStringLower(SHA256.HashData(onnx)), StringComparison.OrdinalIgnoreCase))
        {
            notes.Add($"the reference {onnxName} is not the file the blob was packed from (source {meta.Source.FileName}, sha256 {meta.Source.Sha256[..Math.Min(12, meta.Source.Sha256.Length)]}...).");
        }
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException($"{onnxName}: not an ONNX model ({e.Message}).");
        }
        if (graph.Inputs.Count != 1)
        {
            throw new OnnxImportException($"{blobName}: verify handles one graph input, the blob has {graph.Inputs.Count}.");
        }
        var inputTensor = graph.Tensors[graph.Inputs[0]];
        var onnxInputs = model.Graph.Input.Where(i => model.Graph.Initializer.All(init => init.Name != i.Name)).ToList();
        if (onnxInputs.Count != 1)
        {
            throw new OnnxImportException($"{onnxName}: verify handles one graph input, the model has {onnxInputs.Count}.");
        }
        var onnxInput = onnxInputs[0];
        var inputType = (DT)(onnxInput.Type?.TensorType?.ElemType ?? (int)DT.Float);
        int c = inputTensor.Channels, h = inputTensor.Height, w = inputTensor.Width;
        var norm = new InputNormalization([.. meta.Preprocessing.MeanMilli.Select(m => m / 1000f)], [.. meta.Preprocessing.StdMilli.Select(s => s / 1000f)],
            bgr: meta.Preprocessing.ColorOrder == "BGR");
        float inputScale = BitConverter.UInt32BitsToSingle(inputTensor.ScaleBits);
        bool floatNormalized = inputType == DT.Float && norm.Scale == inputScale && norm.ZeroPoint == inputTensor.Format.ZeroPoint;
        // A float model that normalizes its input itself (Sub / Mul by constants, folded into the blob
        // input): the reference gets the input before that normalization.
        (float[] Scale, float[] Offset)? affine = null;
        if (inputType == DT.Float)
        {
            try
            {
                if (new FloatOnnxGraph(model).InputAffine is { } a)
                {
                    affine = (a.Scale, a.Offset);
                    notes.Add($"the model normalizes its input in the graph ({string.Join(", ", a.Nodes.Select(n => n.OpType))}); the reference is fed the input before it.");
                }
            }
            catch (OnnxImportException)
            {
                // not a model the float importer reads: no in-graph normalization to undo
            }
        }
        if (inputType == DT.Float && !floatNormalized)
        {
            notes.Add($"the blob input's quantization (scale {inputScale}, zero point {inputTensor.Format.ZeroPoint}) is not the metadata's normalization: " +
                "the reference is fed the dequantized blob input.");
        }

        // Compared tensors: blob tensors (not the input) whose name an ONNX node produces.
        var producers = new Dictionary<string, NodeProto>();
        foreach (var n in model.Graph.Node)
        {
            foreach (var o in n.Output.Where(o => o.Length > 0)) { producers[o] = n; }
        }
        var compared = new List<(int Step, GraphOp Op, GraphTensor Tensor)>();
        for (int step = 0; step < engine.StepCount; step++)
        {
            var op = graph.Ops[graph.ExecutionOrder[step]];
            foreach (int id in op.Outputs)
            {
                var t = graph.Tensors[id];
                if (t.Name is { } name && producers.ContainsKey(name))
                {
                    compared.Add((step, op, t));
                }
            }
        }
        var missing = graph.Outputs.Where(id => !compared.Any(x => x.Tensor.Id == id)).Select(id => graph.Tensors[id].Name ?? $"#{id}").ToList();
        if (missing.Count > 0)
        {
            throw new OnnxImportException($"{onnxName} has no tensor named like the blob output(s) {string.Join(", ", missing.Select(m => $"'{m}'"))}: is it the model the blob was packed from?");
        }
        var names = compared.Select(x => x.Tensor.Name!).Distinct().ToList();
        var types = TensorTypes(model);
        var refModel = model.Clone();
        refModel.Graph.Output.Clear();
        foreach (var name in names)
        {
            refModel.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)types.GetValueOrDefault(name, DT.Float) } } });
        }

        var worst = compared.Select(_ => (Sqnr: double.PositiveInfinity, Cos: 1.0)).ToArray();
        var argMax = new int[graph.Outputs.Count];
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(refModel.ToByteArray(), options);
        using var runOptions = new RunOptions();
        var ours = new float[compared.Count][];
        for (int i = 0; i < images.Count; i++)
        {
            progress?.Invoke(i + 1, images.Count, Path.GetFileName(images[i]));
            var px = CalibrationImages.LoadHwc(images[i], w, h, c);
            var q = norm.Quantize(px);
            if (!floatNormalized && inputTensor.Format.Storage != ActivationStorage.UInt8)
            {
                throw new OnnxImportException($"{blobName}: input format {inputTensor.Format} is not uint8; verify feeds 8-bit pixels.");
            }
            q.CopyTo(engine.Input(0));
            int k = 0;
            for (int step = 0; step < engine.StepCount; step++)
            {
                engine.RunStep(step);
                for (; k < compared.Count && compared[k].Step == step; k++)
                {
                    ours[k] = Dequantize(engine.Tensor(compared[k].Tensor.Id), compared[k].Tensor);
                }
            }
            using var x = ReferenceInput(inputType, floatNormalized, norm, affine, px, q, inputTensor, c, h, w);
            using var results = session.Run(runOptions, [onnxInput.Name], [x], names);
            var refs = names.Select((n, j) => ReadReference(results[j], compared.First(cm => cm.Tensor.Name == n).Tensor, n)).ToList();
            for (k = 0; k < compared.Count; k++)
            {
                var reference = refs[names.IndexOf(compared[k].Tensor.Name!)];
                var (sqnr, cos) = Agreement(reference, ours[k]);
                worst[k] = (Math.Min(worst[k].Sqnr, sqnr), Math.Min(worst[k].Cos, cos));
                int o = graph.Outputs.ToList().IndexOf(compared[k].Tensor.Id);
                if (o >= 0 && ArgMax(reference) == ArgMax(ours[k]))
                {
                    argMax[o]++;
                }
            }
        }

        var layers = compared.Select((x, k) => new LayerAgreement(x.Step, x.Op.Record.Name ?? $"op{x.Op.Index}", x.Op.Type.ToString(), x.Tensor.Name!,
            $"{x.Tensor.Height}x{x.Tensor.Width}x{x.Tensor.Channels}", worst[k].Sqnr, worst[k].Cos, graph.Outputs.Contains(x.Tensor.Id))).ToList();
        var outputs = graph.Outputs.Select((id, o) =>
        {
            var l = layers.First(l => l.Tensor == graph.Tensors[id].Name);
            return new OutputAgreement(l.Tensor, l.Shape, l.SqnrDb, l.Cosine, argMax[o], images.Count, Ok(l.SqnrDb, l.Cosine, minSqnrDb, minCosine));
        }).ToList();
        bool passed = outputs.All(o => o.Passed);
        string? firstFailing = passed ? null : layers.FirstOrDefault(l => !Ok(l.SqnrDb, l.Cosine, minSqnrDb, minCosine))?.Tensor;
        return new VerifyReport(blobName, onnxName, images.Count, minSqnrDb, minCosine, layers, outputs, passed, firstFailing, notes);
    }

    public static string ToText(VerifyReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"verify {r.Model} against {r.Reference} on {r.Images} image(s); worst image per tensor; thresholds: SQNR >= {r.MinSqnrDb} dB, cosine >= {r.MinCosine}");
        foreach (var n in r.Notes)
        {
            sb.AppendLine($"note: {n}");
        }
        sb.AppendLine($"{"step",4}  {"layer",-24} {"op",-18} {"tensor",-24} {"shape",-12} {"SQNR dB",8} {"cosine",9}");
        foreach (var l in r.Layers)
        {
            bool bad = !Ok(l.SqnrDb, l.Cosine, r.MinSqnrDb, r.MinCosine);
            sb.AppendLine($"{l.Step,4}  {Cut(l.Op, 24),-24} {l.OpType,-18} {Cut(l.Tensor, 24),-24} {l.Shape,-12} {Db(l.SqnrDb),8} {l.Cosine,9:F5}{(l.IsOutput ? "  output" : "")}{(bad ? "  <" : "")}");
        }
        foreach (var o in r.Outputs)
        {
            sb.AppendLine($"output '{o.Tensor}' {o.Shape}: SQNR {Db(o.SqnrDb)} dB, cosine {o.Cosine:F5}, arg-max agrees on {o.ArgMaxAgree}/{o.Images} image(s): {(o.Passed ? "PASS" : "FAIL")}");
        }
        sb.AppendLine(r.Passed ? "PASS" : $"FAIL: first tensor below the thresholds: '{r.FirstFailingLayer}'");
        return sb.ToString();
    }

    public static string ToJson(VerifyReport r) => JsonSerializer.Serialize(r with
    {
        Layers = [.. r.Layers.Select(l => l with { SqnrDb = Finite(l.SqnrDb) })],
        Outputs = [.. r.Outputs.Select(o => o with { SqnrDb = Finite(o.SqnrDb) })],
    }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>Infinite SQNR (identical tensors) is reported as 999 dB in JSON.</summary>
    private static double Finite(double db) => double.IsPositiveInfinity(db) ? 999 : db;

    private static string Db(double db) => double.IsPositiveInfinity(db) ? "inf" : db.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    private static string Cut(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "~";

    private static bool Ok(double sqnr, double cos, double minSqnr, double minCos) => sqnr >= minSqnr && cos >= minCos;

    public static (double SqnrDb, double Cosine) Agreement(ReadOnlySpan<float> reference, ReadOnlySpan<float> ours)
    {
        double signal = 0, noise = 0, dot = 0, no = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double r = reference[i], o = ours[i];
            signal += r * r;
            noise += (r - o) * (r - o);
            dot += r * o;
            no += o * o;
        }
        double sqnr = noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
        double cos = signal == 0 && no == 0 ? 1 : signal == 0 || no == 0 ? 0 : dot / Math.Sqrt(signal * no);
        return (sqnr, cos);
    }

    private static int ArgMax(float[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) { best = v[i] > v[best] ? i : best; }
        return best;
    }

    /// <summary>The real values (NHWC) of an engine tensor (uint8, int8, int16 or packed) with its recorded scale and zero point.</summary>
    public static float[] Dequantize(ReadOnlySpan<byte> bytes, GraphTensor t)
        => ActivationValues.Dequantize(bytes, t.Format, BitConverter.UInt32BitsToSingle(t.ScaleBits), t.Height * t.Width, t.Channels);

    private static OrtValue ReferenceInput(DT type, bool floatNormalized, InputNormalization norm, (float[] Scale, float[] Offset)? affine,
        byte[] px, byte[] q, GraphTensor input, int c, int h, int w)
    {
        long[] shape = [1, c, h, w];
        if (type == DT.Uint8)
        {
            return OrtValue.CreateTensorValueFromMemory(OnnxLayout.HwcToChw<byte>(q, h, w, c), shape);
        }
        if (type != DT.Float)
        {
            throw new OnnxImportException($"reference input type {type} is not supported (float or uint8).");
        }
        float[] x;
        if (floatNormalized)
        {
            x = norm.ToFloatNchw(px, h, w);
        }
        else
        {
            float scale = BitConverter.UInt32BitsToSingle(input.ScaleBits);
            x = OnnxLayout.HwcToChw<float>([.. q.Select(v => scale * (v - input.Format.ZeroPoint))], h, w, c);
        }
        if (affine is { } a)
        {
            for (int i = 0; i < x.Length; i++)
            {
                int ch = i / (h * w);
                x[i] = (x[i] - a.Offset[ch]) / a.Scale[ch];
            }
        }
        return OrtValue.CreateTensorValueFromMemory(x, shape);
    }

    /// <summary>The reference tensor as real NHWC values (quantized reference tensors dequantized with the blob tensor's parameters).</summary>
    private static float[] ReadReference(OrtValue v, GraphTensor t, string name)
    {
        var info = v.GetTensorTypeAndShape();
        long count = info.ElementCount;
        if (count != (long)t.Height * t.Width * t.Channels)
        {
            throw new OnnxImportException($"tensor '{name}': the reference has shape [{string.Join(", ", info.Shape)}], the blob {t.Height}x{t.Width}x{t.Channels}.");
        }
        float scale = BitConverter.UInt32BitsToSingle(t.ScaleBits);
        int zp = t.Format.ZeroPoint;
        float[] chw = info.ElementDataType switch
        {
            TensorElementType.Float => v.GetTensorDataAsSpan<float>().ToArray(),
            TensorElementType.UInt8 => [.. v.GetTensorDataAsSpan<byte>().ToArray().Select(b => scale * (b - zp))],
            TensorElementType.Int8 => [.. v.GetTensorDataAsSpan<sbyte>().ToArray().Select(b => scale * (b - zp))],
            var other => throw new OnnxImportException($"tensor '{name}': reference element type {other} is not supported."),
        };
        // A [1, H*W, C] reference (a rows view: Reshape + Transpose [0, 2, 1] at a detector output) is already in NHWC order.
        bool rows = info.Shape is [1, var hw, var ch] && hw == (long)t.Height * t.Width && ch == t.Channels;
        return rows ? chw : OnnxLayout.ChwToHwc<float>(chw, t.Height, t.Width, t.Channels);
    }

    /// <summary>Element types of the model's tensors: declared ones, else quantizing nodes' outputs take their zero point's type, else float.</summary>
    private static Dictionary<string, DT> TensorTypes(ModelProto model)
    {
        var types = new Dictionary<string, DT>();
        var inits = model.Graph.Initializer.ToDictionary(i => i.Name, i => (DT)i.DataType);
        foreach (var n in model.Graph.Node)
        {
            int zpInput = n.OpType switch { "QuantizeLinear" => 2, "QLinearConv" => 7, "QLinearAdd" => 7, "QLinearMatMul" => 7, _ => -1 };
            if (zpInput >= 0 && n.Output.Count > 0)
            {
                types[n.Output[0]] = zpInput < n.Input.Count && inits.TryGetValue(n.Input[zpInput], out var zt) ? zt : DT.Uint8;
            }
        }
        foreach (var vi in model.Graph.ValueInfo.Concat(model.Graph.Output))
        {
            if (vi.Type?.TensorType is { ElemType: > 0 } tt)
            {
                types[vi.Name] = (DT)tt.ElemType;
            }
        }
        return types;
    }
}
