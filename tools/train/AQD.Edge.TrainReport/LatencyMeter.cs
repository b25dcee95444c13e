using System.Diagnostics;
using AQD.Edge.DetectionData;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;

namespace AQD.Edge.TrainReport;

/// <summary>
/// Single-thread whole-model latency of each run's model.aqd with <see cref="InferenceEngine"/>: every
/// blob is loaded, gets the same kind of input (val digit scene 0 at the model's size), runs
/// <c>warmup</c> untimed times, then <c>repetitions</c> timed rounds in which the blobs take turns
/// (so load changes on a shared machine hit all of them alike); the median and the minimum per blob are
/// returned. Only ratios are reported (docs/training.md).
/// </summary>
public static class LatencyMeter
{
    public static Dictionary<string, LatencySample> Measure(IReadOnlyList<TrainRun> runs, int warmup, int repetitions, TextWriter? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        var engines = new List<(TrainRun Run, InferenceEngine Engine, List<double> Ms)>();
        try
        {
            foreach (var r in runs.Where(r => r.BlobPath is not null))
            {
                InferenceEngine engine;
                try
                {
                    engine = InferenceEngine.Load(BlobReader.Open(File.ReadAllBytes(r.BlobPath!), r.BlobPath!), new EngineOptions { Threads = 1 });
                }
                catch (BlobFormatException e)
                {
                    throw new ReportInputException($"{r.BlobPath}: not a loadable model blob: {e.Message}", e);
                }
                engines.Add((r, engine, []));
                var input = engine.Input(0);
                var scene = DigitScenes.Generate(new DigitSceneOptions { ImageSize = r.ImageSize, MaxObjectPx = r.ImageSize * 45 / 100 }, "val", 0);
                if (input.Length != scene.Bgr.Length)
                {
                    throw new ReportInputException($"{r.BlobPath}: graph input takes {input.Length} bytes, metrics.json's model.ImageSize {r.ImageSize} gives {scene.Bgr.Length} (BGR): blob and metrics do not match.");
                }
                scene.Bgr.CopyTo(input);
                for (int i = 0; i < warmup; i++)
                {
                    engine.Run();
                }
            }
            for (int rep = 0; rep < repetitions; rep++)
            {
                foreach (var (_, engine, ms) in engines)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    engine.Run();
                    ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
            }
            var result = new Dictionary<string, LatencySample>(StringComparer.Ordinal);
            foreach (var (run, _, ms) in engines)
            {
                ms.Sort();
                double median = ms.Count % 2 == 1 ? ms[ms.Count / 2] : (ms[ms.Count / 2 - 1] + ms[ms.Count / 2]) / 2;
                result[run.Name] = new LatencySample(median, ms[0]);
                log?.WriteLine($"latency {run.Name}: median {median:F2} ms of {ms.Count} (min {ms[0]:F2})");
            }
            return result;
        }
        finally
        {
            foreach (var (_, engine, _) in engines)
            {
                engine.Dispose();
            }
        }
    }
}

/// <summary>Median and minimum of the timed single-thread runs of one blob, milliseconds.</summary>
public sealed record LatencySample(double MedianMs, double MinMs);
