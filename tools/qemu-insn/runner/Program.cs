using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using System.CommandLine;
using AQD.Edge.Profiling;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.InsnRunner;

/// <summary>
/// <c>aqd-insn-run aqd|ort MODEL ITERATIONS [THREADS]</c>: loads a blob (our engine) or an ONNX
/// model (ONNX Runtime, CPU provider, all optimizations), writes a fixed pseudo-random input and
/// runs ITERATIONS inferences, then exits. Under the qemu instruction counter, the count at 2N
/// iterations minus the count at N is the cost of N inferences without start-up and loading.
/// <c>aqd-insn-run profile --model m.aqd [...]</c> runs the per-layer profiler instead
/// (<see cref="ProfileCommand"/>, the device binary's `profile` verb), e.g. on ARM64 under qemu.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "profile")
        {
            return new RootCommand("per-layer profile") { ProfileCommand.Create() }.Parse(args).Invoke();
        }
        if (args.Length is < 3 or > 4 || args[0] is not ("aqd" or "ort") || !int.TryParse(args[2], out int iterations) || iterations < 0)
        {
            Console.Error.WriteLine("usage: aqd-insn-run aqd|ort MODEL ITERATIONS [THREADS]  |  aqd-insn-run profile --model M [options]");
            return 2;
        }
        int threads = args.Length == 4 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1;
        var random = new Random(1);
        if (args[0] == "aqd")
        {
            var blob = File.ReadAllBytes(args[1]);
            using var engine = InferenceEngine.Load(BlobReader.Open(blob, Path.GetFileName(args[1])), new EngineOptions { Threads = threads });
            var input = new byte[engine.Input(0).Length];
            random.NextBytes(input);
            for (int i = 0; i < iterations; i++)
            {
                engine.Run(input);
            }
            long macs = 0;
            for (int s = 0; s < engine.StepCount; s++)
            {
                macs += engine.StepInfo(s).Macs;
            }
            Console.WriteLine($"aqd {Path.GetFileName(args[1])}: {iterations} inference(s), macs={macs}, output 0 byte 0 = {(iterations > 0 ? engine.Output(0)[0] : 0)}");
            return 0;
        }
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(args[1], options);
        var (name, meta) = session.InputMetadata.Single();
        long[] shape = [.. meta.Dimensions.Select(d => d > 0 ? (long)d : 1L)];
        var data = new float[shape.Aggregate(1L, (a, d) => a * d)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 4 - 2);
        }
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        string[] outputs = [.. session.OutputMetadata.Keys];
        for (int i = 0; i < iterations; i++)
        {
            using var result = session.Run(runOptions, [name], [value], outputs);
        }
        Console.WriteLine($"ort {Path.GetFileName(args[1])}: {iterations} inference(s)");
        return 0;
    }
}
