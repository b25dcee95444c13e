using System.CommandLine;
using AQD.Edge.Bench.Conv;
using AQD.Edge.Bench.Harness;
using AQD.Edge.Bench.Models;
using AQD.Edge.Bench.Reporting;

namespace AQD.Edge.Bench;

/// <summary>
/// aqd-bench: benchmarks (not tests) of AQD.Edge kernels against ONNX Runtime int8 in the same run.
/// Commands: <c>conv</c> (GMAC/s per conv variant and bit width), <c>models</c> (whole networks:
/// our engine at each bit width vs ONNX Runtime float and int8 QDQ).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var shapeOption = new Option<string[]>("--shape")
        {
            Description = "Extra conv shape HxWxCin:Cout:k[:stride] ('same' padding), e.g. 56x56x64:64:3. Repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        var noDefaultsOption = new Option<bool>("--no-default-shapes")
        {
            Description = "Skip the two default shapes (3x3 256->256 28x28, 1x1 1024->256 14x14).",
        };
        var bitsOption = new Option<int[]>("--bits")
        {
            Description = "Bit widths of our kernels to run (8 = uint8 x int8; 4, 3, 2 = unsigned x odd-level, packed).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [8, 4, 3, 2],
        };
        var threadsOption = new Option<int>("--threads")
        {
            Description = "Threads per case (ONNX Runtime intra-op threads; ours are single-threaded).",
            DefaultValueFactory = _ => 1,
        };
        var noScalarOption = new Option<bool>("--no-scalar") { Description = "Skip our scalar reference variants (slow)." };
        var quickOption = new Option<bool>("--quick") { Description = "Few repetitions: a smoke run, not numbers to quote." };
        var targetOption = new Option<double?>("--target-ms") { Description = "Timed milliseconds per case (default 600)." };
        var seedOption = new Option<int>("--seed") { Description = "Random data seed.", DefaultValueFactory = _ => 1234 };
        var outOption = new Option<string>("--out")
        {
            Description = "Folder for the markdown and JSON reports.",
            DefaultValueFactory = _ => "results",
        };

        var conv = new Command("conv", "GMAC/s of each conv variant and bit width vs ONNX Runtime int8 QLinearConv on the same shapes.")
        {
            shapeOption, noDefaultsOption, bitsOption, threadsOption, noScalarOption, quickOption, targetOption, seedOption, outOption,
        };
        conv.SetAction(parse =>
        {
            var shapes = new List<ConvShape>();
            if (!parse.GetValue(noDefaultsOption))
            {
                shapes.AddRange(ConvShape.Defaults);
            }
            try
            {
                shapes.AddRange((parse.GetValue(shapeOption) ?? []).Select(ConvShape.Parse));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            if (shapes.Count == 0)
            {
                Console.Error.WriteLine("No shapes to run.");
                return 2;
            }
            int threads = parse.GetValue(threadsOption);
            if (threads < 1)
            {
                Console.Error.WriteLine("--threads must be at least 1.");
                return 2;
            }
            int[] bits = parse.GetValue(bitsOption) ?? [8, 4, 3, 2];
            if (bits.Length == 0 || bits.Any(b => b is not (8 or 4 or 3 or 2)))
            {
                Console.Error.WriteLine("--bits takes 8, 4, 3 and/or 2.");
                return 2;
            }
            var harness = parse.GetValue(quickOption) ? HarnessOptions.Quick : new HarnessOptions();
            if (parse.GetValue(targetOption) is { } target)
            {
                harness = harness with { TargetMs = target };
            }
            var options = new ConvBenchOptions(shapes, bits, threads,
                !parse.GetValue(noScalarOption), parse.GetValue(seedOption), harness);
            return RunConv(options, parse.GetValue(outOption) ?? "results", args);
        });

        var root = new RootCommand("AQD.Edge benchmarks (not tests): our integer kernels vs ONNX Runtime int8, same run, same shapes.")
        {
            conv, ModelsCommand(args),
            Aqd.AqdModelBench.Create(),
        };
        return root.Parse(args).Invoke();
    }

    private static int RunConv(ConvBenchOptions options, string outDir, string[] args)
    {
        var started = DateTimeOffset.UtcNow;
        string command = "dotnet run -c Release --project tools/bench -- " + string.Join(' ', args.Select(Quote));
        var machine = MachineInfo.Detect(OrtConvEngine.Version);
        Console.WriteLine($"command: {command}");
        Console.WriteLine($"process: {Environment.CommandLine}");
        Console.WriteLine($"CPU: {machine.CpuModel} ({machine.LogicalCores} logical cores, {machine.Architecture}); .NET ISA: {string.Join(' ', machine.IsaFlags)}; cpuinfo: {string.Join(' ', machine.CpuFlags)}");
        Console.WriteLine($"runtime: {machine.Runtime}; ONNX Runtime {machine.OnnxRuntimeVersion}");
#if DEBUG
        Console.WriteLine("WARNING: Debug build; numbers are meaningless. Use -c Release.");
#endif
        IReadOnlyList<IConvEngine> engines = [new OrtConvEngine(), .. ConvEngines.Ours()];
        var results = ConvBenchmark.Run(options, engines, Console.Out);
        var report = new BenchReport("conv", started, command, "onnxruntime QLinearConv", "vs ORT QLinearConv", machine, options.Threads, options.Harness, results);
        Console.WriteLine();
        Console.WriteLine(report.ToMarkdown());
        foreach (string path in report.WriteTo(outDir))
        {
            Console.WriteLine($"wrote {path}");
        }
        return 0;
    }

    private static Command ModelsCommand(string[] args)
    {
        var models = new Option<string[]>("--models")
        {
            Description = "Models to run: resnet18, nanodet, fcos (default all; a missing model file is reported and skipped).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["resnet18", "nanodet", "fcos"],
        };
        var bits = new Option<int[]>("--bits")
        {
            Description = "Our bit widths (policy M{b}F8L8); widths pack-model cannot pack yet are reported as not available.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [8, 4, 3, 2],
        };
        var threads = new Option<int[]>("--threads")
        {
            Description = "Thread counts (ours: engine threads; ONNX Runtime: intra-op threads).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [1, 2],
        };
        var images = new Option<string?>("--images") { Description = "Calibration photos (default tests/data/images); the first is every engine's input." };
        var nanodet = new Option<string?>("--nanodet") { Description = "NanoDet-g-416 float ONNX (default tests/data/models/nanodet-g-416/model.onnx)." };
        var fcos = new Option<string?>("--fcos") { Description = "FCOS-R18 320 float ONNX written by `aqd-bench aqd --family fcos --size 320` (default results/fcos-r18-m8f8l8-320x320.onnx)." };
        var quick = new Option<bool>("--quick") { Description = "Few repetitions: a smoke run, not numbers to quote." };
        var target = new Option<double?>("--target-ms") { Description = "Timed milliseconds per case (default 600)." };
        var noChart = new Option<bool>("--no-chart") { Description = "Skip the PNG chart." };
        var outOption = new Option<string>("--out") { Description = "Report folder.", DefaultValueFactory = _ => "results" };
        var export = new Option<string?>("--export") { Description = "Also write the blobs, the QDQ export and the float ONNX of each model here (inputs of tools/qemu-insn/run.sh)." };
        var noTiming = new Option<bool>("--no-timing") { Description = "Only prepare (and --export); time nothing." };
        var command = new Command("models", "Whole networks: our engine at each bit width vs ONNX Runtime float and int8 (QDQ of our calibrated blob), 1 and 2 threads.")
        {
            models, bits, threads, images, nanodet, fcos, quick, target, noChart, outOption, export, noTiming,
        };
        command.SetAction(parse =>
        {
            var specs = new List<ModelSpec>();
            foreach (string m in parse.GetValue(models) ?? [])
            {
                switch (m.ToLowerInvariant())
                {
                    case "resnet18": specs.Add(ModelSpec.ResNet18()); break;
                    case "nanodet": specs.Add(ModelSpec.NanoDet(parse.GetValue(nanodet))); break;
                    case "fcos": specs.Add(ModelSpec.Fcos(parse.GetValue(fcos))); break;
                    default:
                        Console.Error.WriteLine($"--models: unknown model '{m}' (resnet18, nanodet, fcos).");
                        return 2;
                }
            }
            var harness = parse.GetValue(quick) ? HarnessOptions.Quick : new HarnessOptions();
            if (parse.GetValue(target) is { } t)
            {
                harness = harness with { TargetMs = t };
            }
            var options = new ModelBenchOptions(specs, parse.GetValue(bits) ?? [8], parse.GetValue(threads) ?? [1],
                parse.GetValue(images) ?? ModelSpec.RepoPath("tests/data/images") ?? "tests/data/images", harness, !parse.GetValue(noChart),
                parse.GetValue(export), !parse.GetValue(noTiming));
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            var started = DateTimeOffset.UtcNow;
            var machine = MachineInfo.Detect(OrtConvEngine.Version);
            string commandLine = "dotnet run -c Release --project tools/bench -- " + string.Join(' ', args.Select(Quote));
            Console.WriteLine($"command: {commandLine}");
            Console.WriteLine($"CPU: {machine.CpuModel} ({machine.LogicalCores} logical cores); kernel paths: {string.Join(' ', machine.KernelIsas)}; ONNX Runtime {machine.OnnxRuntimeVersion}");
            var results = ModelBenchmark.Run(options, Console.Out);
            if (!options.Timing)
            {
                return 0;
            }
            var report = new ModelsReport(started, commandLine, machine, harness, results);
            Console.WriteLine();
            Console.WriteLine(report.ToMarkdown());
            foreach (string path in report.WriteTo(parse.GetValue(outOption) ?? "results", options.Chart))
            {
                Console.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return command;
    }

    private static string Quote(string a) => a.Contains(' ') || a.Length == 0 ? $"'{a}'" : a;
}
