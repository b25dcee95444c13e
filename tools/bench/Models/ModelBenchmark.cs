using AQD.Edge.Bench.Harness;

namespace AQD.Edge.Bench.Models;

/// <summary>
/// The <c>models</c> benchmark: per model (prepared once: blobs, QDQ export, input) and per thread
/// count, times ONNX Runtime int8 (the QDQ export of our 8-bit blob; the baseline), ONNX Runtime
/// float, and our engine at each packed bit width, one case alive at a time, in the same process on
/// the same photo. The baseline is timed first and again last, and the faster is kept, so a
/// disturbed baseline never flatters our ratios. Also checks that ORT int8 computes our network:
/// cosine of its output 0 with our 8-bit engine's.
/// </summary>
public static class ModelBenchmark
{
    public static IReadOnlyList<ModelResult> Run(ModelBenchOptions options, TextWriter log)
    {
        var results = new List<ModelResult>();
        foreach (var spec in options.Models)
        {
            if (!spec.Available)
            {
                log.WriteLine($"{spec.Name}: skipped, model file not found ({spec.OnnxPath ?? "no path"}; source: {spec.Source}).");
                results.Add(new ModelResult(spec.Name, 0, "-", "-", 0, 0, null, null, 0, null, $"skipped: {spec.OnnxPath ?? spec.Source} not found"));
                continue;
            }
            log.WriteLine($"{spec.Name}: preparing ({spec.OnnxPath})");
            PreparedModel model;
            try
            {
                model = PreparedModel.Prepare(spec, options.Bits, options.ImageFolder, log);
            }
            catch (Onnx.Import.OnnxImportException e)
            {
                log.WriteLine($"{spec.Name}: cannot be imported: {e.Message}");
                results.Add(new ModelResult(spec.Name, 0, "-", "-", 0, 0, null, null, 0, null, $"not importable: {e.Message}"));
                continue;
            }
            if (options.ExportDirectory is { } export)
            {
                foreach (string path in model.Export(export))
                {
                    log.WriteLine($"  exported {path}");
                }
            }
            foreach (int threads in options.Timing ? options.Threads : [])
            {
                results.AddRange(RunModel(model, threads, options.Harness, log));
            }
        }
        return results;
    }

    private static List<ModelResult> RunModel(PreparedModel model, int threads, HarnessOptions harness, TextWriter log)
    {
        string name = model.Spec.Name;
        var rows = new List<ModelResult>();
        long macs = 0;
        float[]? ours8 = null;
        var cases = new List<Func<Harness.IBenchCase>>();
        foreach (var v in model.Blobs)
        {
            if (v.Blob is null)
            {
                rows.Add(new ModelResult(name, threads, "aqd", v.Policy, v.Bits, 0, null, null, 0, null, $"not available: {v.Problem}"));
                continue;
            }
            cases.Add(() => new AqdModelCase(v.Blob, name, v.Policy, v.Bits, model.Input, threads));
        }
        cases.Add(() => new OrtModelCase(model.Onnx, "float", 32, model.InputNchw, model.InputShape, macs, threads));

        Measurement? baseline = null;
        float[]? ortInt8 = null;
        long[] ortShape = [];
        OrtModelCase? int8 = model.Qdq is null ? null
            : new OrtModelCase(model.Qdq, "int8 QDQ", 8, model.InputNchw, model.InputShape, 0, threads);
        try
        {
            if (int8 is not null)
            {
                baseline = Measure(int8, name, threads, harness, log);
                ortInt8 = [.. int8.Output0];
                ortShape = int8.Output0Shape;
            }
            foreach (var create in cases)
            {
                using var c = create();
                var m = Measure(c, name, threads, harness, log);
                if (c is AqdModelCase aqd)
                {
                    macs = Math.Max(macs, aqd.Macs);
                    if (aqd.Variant == PreparedModel.Policy(8))
                    {
                        ours8 = aqd.Output0();
                    }
                }
                rows.Add(Row(name, threads, c, m, null));
            }
            if (int8 is not null)
            {
                var again = Measure(int8, name, threads, harness, log);
                bool second = again.MedianMs < baseline!.MedianMs;
                baseline = second ? again : baseline;
                string agreement = ours8 is null || ortInt8 is null ? "" : Agreement(ours8, ortInt8, ortShape);
                rows.Insert(0, Row(name, threads, int8, baseline,
                    $"baseline (QDQ export of our 8-bit blob){(second ? ", second timing kept" : "")}{agreement}"));
            }
            else
            {
                rows.Insert(0, new ModelResult(name, threads, "onnxruntime", "int8 QDQ", 8, 0, null, null, 0, null, $"not available: {model.QdqProblem}"));
            }
        }
        finally
        {
            int8?.Dispose();
        }
        return [.. rows.OrderBy(r => (r.Engine, r.Variant) switch
        {
            ("onnxruntime", "int8 QDQ") => 0,
            ("onnxruntime", _) => 1,
            _ => (r.Variant.StartsWith("AQD", StringComparison.Ordinal) ? 20 : 10) - r.Bits,
        }).Select(r => r with
        {
            Macs = r.Macs == 0 ? macs : r.Macs,
            TimeVsOrtInt8 = r.MedianMs is { } ms && baseline is not null ? ms / baseline.MedianMs : null,
        })];
    }

    private static Measurement Measure(Harness.IBenchCase c, string model, int threads, HarnessOptions harness, TextWriter log)
    {
        var m = BenchHarness.Measure(c.Run, harness);
        log.WriteLine($"  {model} t={threads} {c.Engine} {c.Variant}: median {m.MedianMs:F2} ms, min {m.MinMs:F2} ms ({m.Repetitions} runs)");
        return m;
    }

    private static ModelResult Row(string model, int threads, Harness.IBenchCase c, Measurement m, string? note)
        => new(model, threads, c.Engine, c.Variant, c.Bits, c.Macs, m.MedianMs, m.MinMs, m.Repetitions, null, note);

    /// <summary>"; output cosine vs our int8 0.9990" (ORT NCHW outputs are compared in NHWC order).</summary>
    private static string Agreement(float[] ours, float[] ort, long[] ortShape)
    {
        if (ours.Length != ort.Length)
        {
            return $"; output sizes differ ({ours.Length} vs {ort.Length}), not compared";
        }
        if (ortShape.Length == 4 && ortShape[2] * ortShape[3] > 1)
        {
            int ch = (int)ortShape[1], hw = (int)(ortShape[2] * ortShape[3]);
            var hwc = new float[ort.Length];
            for (int k = 0; k < ch; k++)
            {
                for (int i = 0; i < hw; i++)
                {
                    hwc[i * ch + k] = ort[k * hw + i];
                }
            }
            ort = hwc;
        }
        double dot = 0, a = 0, b = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            dot += (double)ours[i] * ort[i];
            a += (double)ours[i] * ours[i];
            b += (double)ort[i] * ort[i];
        }
        return FormattableString.Invariant($"; output 0 cosine vs our int8: {dot / Math.Sqrt(a * b + 1e-30):F4}");
    }
}
