using AQD.Edge.Bench.Harness;
using AQD.Edge.Bench.Reporting;

namespace AQD.Edge.Bench.Conv;

/// <summary>
/// The <c>conv</c> benchmark: for each shape, builds one random data set, prepares every engine's
/// cases on it and times them one after the other (one case alive at a time besides the baseline
/// numbers), then relates each median to ONNX Runtime QLinearConv's median on the same shape.
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
            foreach (var engine in engines)
            {
                foreach (var benchCase in engine.CreateCases(data, options.Bits, options))
                {
                    using (benchCase)
                    {
                        var m = BenchHarness.Measure(benchCase.Run, options.Harness);
                        var row = new BenchResult(shape.Name, shape.Describe(), benchCase.Engine, benchCase.Variant,
                            benchCase.Bits, benchCase.Macs, m.MedianMs, m.MinMs, m.Repetitions, m.GmacPerSecond(benchCase.Macs), null);
                        log.WriteLine($"  {row.Engine,-12} {row.Variant,-40} {row.Bits,2} bit  median {row.MedianMs,9:F3} ms  min {row.MinMs,9:F3} ms  {row.GmacPerSecond,7:F1} GMAC/s  ({row.Repetitions} runs)");
                        rows.Add(row);
                    }
                }
            }
            var baseline = rows.FirstOrDefault(r => r.Engine == "onnxruntime" && r.Variant == OrtConvEngine.BaselineVariant);
            results.AddRange(rows.Select(r => baseline is null ? r : r with { VsBaseline = baseline.MedianMs / r.MedianMs }));
        }
        return results;
    }
}
