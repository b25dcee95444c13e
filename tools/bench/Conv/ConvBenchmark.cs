using AQD.Edge.Bench.Harness;
using AQD.Edge.Bench.Reporting;

namespace AQD.Edge.Bench.Conv;

/// <summary>
/// The <c>conv</c> benchmark: for each shape, builds one random data set, prepares every engine's
/// cases on it and times them one after the other (one case alive at a time, plus the baseline),
/// then relates each time to ONNX Runtime QLinearConv's on the same shape. The baseline is timed
/// first and again after all other cases of the shape, and the faster of the two measurements is
/// kept, so one disturbed measurement on a shared machine does not flatter the ratios.
/// </summary>
public static class ConvBenchmark
{
    public static IReadOnlyList<BenchResult> Run(ConvBenchOptions options, IReadOnlyList<IConvEngine> engines, TextWriter log)
    {
        var results = new List<BenchResult>();
        foreach (var shape in options.Shapes)
        {
            log.WriteLine($"shape {shape.Name}: {shape.Describe()}");
            var data = new ConvBenchData(shape, options.Seed);
            var rows = new List<BenchResult>();
            byte[]? baselineOutput = null;
            IBenchCase? baselineCase = null;
            int baselineRow = -1;
            try
            {
                foreach (var engine in engines)
                {
                    foreach (var benchCase in engine.CreateCases(data, options.Bits, options))
                    {
                        bool isBaseline = baselineCase is null && benchCase is OrtConvCase { Variant: OrtConvEngine.BaselineVariant };
                        try
                        {
                            var m = BenchHarness.Measure(benchCase.Run, options.Harness);
                            string? note = benchCase.Note;
                            if (isBaseline)
                            {
                                baselineCase = benchCase;
                                baselineRow = rows.Count;
                                baselineOutput = ((IUInt8NhwcOutput)benchCase).OutputNhwc();
                            }
                            else if (benchCase is IUInt8NhwcOutput checkable && benchCase.Bits == 8 &&
                                     benchCase is not OrtConvCase { Variant: "ConvInteger" } && baselineOutput is not null)
                            {
                                string check = CompareWithBaseline(baselineOutput, checkable.OutputNhwc());
                                note = note is null ? check : $"{note}; {check}";
                            }
                            rows.Add(Row(shape, benchCase, m, note, log));
                        }
                        finally
                        {
                            if (!isBaseline)
                            {
                                benchCase.Dispose();
                            }
                        }
                    }
                }
                if (baselineCase is not null)
                {
                    log.Write("  (baseline again) ");
                    var again = Row(shape, baselineCase, BenchHarness.Measure(baselineCase.Run, options.Harness), null, log);
                    var first = rows[baselineRow];
                    rows[baselineRow] = (again.MedianMs < first.MedianMs ? again : first) with
                    {
                        MinMs = Math.Min(first.MinMs, again.MinMs),
                        Note = $"faster of 2 measurements (medians {first.MedianMs:F3} / {again.MedianMs:F3} ms)",
                    };
                }
            }
            finally
            {
                baselineCase?.Dispose();
            }
            var baseline = baselineRow >= 0 ? rows[baselineRow] : null;
            results.AddRange(rows.Select(r => baseline is null ? r
                : r with { VsBaseline = baseline.MedianMs / r.MedianMs, VsBaselineMin = baseline.MinMs / r.MinMs }));
        }
        return results;
    }

    private static BenchResult Row(ConvShape shape, IBenchCase c, Measurement m, string? note, TextWriter log)
    {
        var row = new BenchResult(shape.Name, shape.Describe(), c.Engine, c.Variant, c.Bits, c.Macs,
            m.MedianMs, m.MinMs, m.Repetitions, m.GmacPerSecond(c.Macs), null, note);
        log.WriteLine($"  {row.Engine,-12} {row.Variant,-40} {row.Bits,2} bit  median {row.MedianMs,9:F3} ms  min {row.MinMs,9:F3} ms  " +
                      $"{row.GmacPerSecond,7:F1} GMAC/s  ({row.Repetitions} runs){(note is null ? "" : "  " + note)}");
        return row;
    }

    // Same data and scales as the baseline: outputs may differ by 1 at exact rounding ties only
    // (ONNX Runtime rounds half to even in float32, we round half up in fixed point).
    private static string CompareWithBaseline(byte[] expected, byte[] actual)
    {
        if (expected.Length != actual.Length)
        {
            return $"output size {actual.Length} != ORT {expected.Length}";
        }
        int differ = 0, maxDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(expected[i] - actual[i]);
            differ += d != 0 ? 1 : 0;
            maxDiff = Math.Max(maxDiff, d);
        }
        return differ == 0 ? "output = ORT" : $"output differs from ORT at {differ} of {expected.Length}, max {maxDiff}";
    }
}
