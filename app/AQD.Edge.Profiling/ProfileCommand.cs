using System.CommandLine;

namespace AQD.Edge.Profiling;

/// <summary>The device binary's `profile` verb as a System.CommandLine command (add it to the root command).</summary>
public static class ProfileCommand
{
    public static Command Create(string name = "profile")
    {
        var model = new Option<string>("--model", "-m") { Description = "Model blob (.aqd).", Required = true };
        var threads = new Option<int>("--threads", "-t") { Description = "Engine threads, the caller included.", DefaultValueFactory = _ => 1 };
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed iterations.", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up runs.", DefaultValueFactory = _ => 3 };
        var image = new Option<string?>("--image") { Description = "Input image (stretched to the model input); default: seeded random bytes." };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file." };
        var trace = new Option<string?>("--trace") { Description = "Write a Chrome/Perfetto trace-event JSON to this file (ui.perfetto.dev)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the random input.", DefaultValueFactory = _ => 1 };
        var command = new Command(name, "Per-layer latency profile of a model: per-layer median time, share, GMAC/s; total min/median/p95.")
        {
            model, threads, iterations, warmup, image, json, trace, seed,
        };
        command.SetAction(parse => ProfileRunner.Run(new ProfileOptions
        {
            Model = parse.GetValue(model)!,
            Threads = parse.GetValue(threads),
            Iterations = parse.GetValue(iterations),
            Warmup = parse.GetValue(warmup),
            Image = parse.GetValue(image),
            Json = parse.GetValue(json),
            Trace = parse.GetValue(trace),
            Seed = parse.GetValue(seed),
        }, Console.Out));
        return command;
    }
}
