using System.CommandLine;
using System.Text;
using AQD.Edge.Aqd;
using AQD.Edge.Bench.Harness;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Bench.Aqd;

/// <summary>
/// <c>aqd-bench aqd</c>: builds an AQD detector (random weights, BN calibrated on a photo) at each
/// requested M{b}F8L8 policy, writes the blobs, and times single-threaded whole-model inference of
/// our engine; blob size and latency are reported as ratios to the 8-bit model (docs/aqd-models.md).
/// Beside each blob it writes the float network as ONNX (<see cref="AqdOnnxExporter"/>).
/// </summary>
public static class AqdModelBench
{
    public static Command Create()
    {
        var family = new Option<string>("--family") { Description = "fcos or retinanet.", DefaultValueFactory = _ => "fcos" };
        var depth = new Option<int>("--depth") { Description = "ResNet depth: 18, 34 or 50.", DefaultValueFactory = _ => 18 };
        var size = new Option<int>("--size") { Description = "Square input side (multiple of 128).", DefaultValueFactory = _ => 320 };
        var bits = new Option<int[]>("--bits")
        {
            Description = "Middle-layer bit widths (M{b}F8L8).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [8, 4, 3, 2],
        };
        var threads = new Option<int>("--threads") { Description = "Engine threads.", DefaultValueFactory = _ => 1 };
        var quick = new Option<bool>("--quick") { Description = "Few repetitions: a smoke run, not numbers to quote." };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed runs per model (after one untimed run).", DefaultValueFactory = _ => 7 };
        var image = new Option<string?>("--image") { Description = "Calibration / input photo (default tests/data/images/dog.jpg)." };
        var outDir = new Option<string>("--out") { Description = "Folder for the blobs and the markdown report.", DefaultValueFactory = _ => "results" };
        var command = new Command("aqd", "Blob size and whole-model latency of an AQD detector at 8/4/3/2 bits (ratios to 8-bit).")
        {
            family, depth, size, bits, threads, quick, repetitions, image, outDir,
        };
        command.SetAction(parse =>
        {
            var fam = parse.GetValue(family) switch
            {
                "fcos" => AqdFamily.Fcos,
                "retinanet" => AqdFamily.RetinaNet,
                var f => throw new ArgumentException($"--family {f}: fcos or retinanet."),
            };
            return Run(fam, parse.GetValue(depth), parse.GetValue(size), parse.GetValue(bits) ?? [8, 4, 3, 2], parse.GetValue(threads),
                parse.GetValue(quick) ? HarnessOptions.Quick : ModelHarness(Math.Max(1, parse.GetValue(repetitions))),
                parse.GetValue(image) ?? Path.Combine(AqdImages.FindTestImages(Environment.CurrentDirectory), "dog.jpg"),
                parse.GetValue(outDir) ?? "results", string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
        });
        return command;
    }

    /// <summary>Exactly <paramref name="repetitions"/> timed whole-model runs after one untimed run (models take 0.1-2 s).</summary>
    private static HarnessOptions ModelHarness(int repetitions)
        => new(MinWarmupRuns: 1, WarmupMs: 0, MinRepetitions: repetitions, TargetMs: 1e7, MaxRepetitions: repetitions, SlowRepetitions: repetitions);

    private static int Run(AqdFamily family, int depth, int size, int[] bits, int threads, HarnessOptions harness, string image, string outDir, string args)
    {
        Directory.CreateDirectory(outDir);
        var bgr = AqdImages.LoadBgr(image, size, size);
        var rows = new List<(int Bits, string Name, long Bytes, long Macs, int Ops, Measurement M)>();
        foreach (int b in bits)
        {
            var options = new AqdModelOptions { Family = family, Depth = depth, Bits = b, InputWidth = size, InputHeight = size };
            var net = AqdNetworkBuilder.Build(options, bgr);
            var blob = AqdBlobWriter.Write(net);
            string path = Path.Combine(outDir, options.ModelName + ".aqd");
            File.WriteAllBytes(path, blob);
            File.WriteAllBytes(Path.ChangeExtension(path, ".onnx"), AqdOnnxExporter.Export(net)); // the float network, for ONNX Runtime
            using var engine = InferenceEngine.Load(BlobReader.Open(blob, path), new EngineOptions { Threads = threads });
            bgr.CopyTo(engine.Input(0));
            var m = BenchHarness.Measure(engine.Run, harness);
            rows.Add((b, options.ModelName, blob.Length, net.Macs, net.Nodes.Count, m));
            Console.WriteLine($"{options.ModelName}: {blob.Length} bytes, {net.Macs / 1e9:F2} GMAC, median {m.MedianMs:F1} ms (min {m.MinMs:F1}, n={m.Repetitions}) -> {path}");
        }
        var baseRow = rows.FirstOrDefault(r => r.Bits == 8);
        var md = new StringBuilder();
        md.AppendLine($"command: dotnet run -c Release --project tools/bench -- {args}");
        md.AppendLine($"CPU: {MachineInfo.Detect("n/a").CpuModel}; threads: {threads}; input {size}x{size}");
        md.AppendLine();
        md.AppendLine("| model | blob bytes | size vs int8 | median ms | min ms | latency vs int8 | GMAC/s |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
        {
            string sizeRatio = baseRow.Name is null ? "-" : $"{(double)r.Bytes / baseRow.Bytes:F3}";
            string timeRatio = baseRow.Name is null ? "-" : $"{r.M.MedianMs / baseRow.M.MedianMs:F3}";
            md.AppendLine($"| {r.Name} | {r.Bytes} | {sizeRatio} | {r.M.MedianMs:F1} | {r.M.MinMs:F1} | {timeRatio} | {r.M.GmacPerSecond(r.Macs):F2} |");
        }
        Console.WriteLine();
        Console.WriteLine(md);
        string report = Path.Combine(outDir, $"aqd-{(family == AqdFamily.Fcos ? "fcos" : "retinanet")}{(depth == 18 ? "" : $"-r{depth}")}-{size}.md");
        File.WriteAllText(report, md.ToString());
        Console.WriteLine($"wrote {report}");
        return 0;
    }
}
