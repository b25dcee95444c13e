using System.Globalization;
using AQD.Edge.TrainReport;

// aqd-train-report [options] RUN...: results table (markdown) and AP-vs-bits plot (PNG) of aqd-train runs.
return ReportCli.Run(args, Console.Out, Console.Error);

internal static class ReportCli
{
    private const string Usage = """
        usage: aqd-train-report [--md FILE] [--png FILE] [--title TEXT (default from the runs' image size)] [--warmup 3] [--repetitions 15] [--no-latency] RUN...
          RUN: an aqd-train run folder (metrics.json, model.aqd) or a metrics JSON file (NAME.json or DIR/metrics.json).
          Writes the results table and the goals as markdown (--md, else standard output) and the plot (--png).
          Latency: median single-thread InferenceEngine run of each model.aqd, as a ratio to the family's
          highest-bit multi-level BN blob measured in the same run (runs without model.aqd get none).
          Runs of the same family, bits and head BN: all in the table; goals, baseline and plot use the one
          given last (list superseded runs first).
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            stderr.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        string? md = null, png = null, title = null;
        int warmup = 3, repetitions = 15;
        bool latency = true;
        var runs = new List<string>();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                int Count(string name, int min)
                {
                    string v = Value();
                    return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min
                        ? n : throw new ArgumentException($"{name} {v}: expected an integer >= {min}.");
                }
                switch (args[i])
                {
                    case "--md": md = Value(); break;
                    case "--png": png = Value(); break;
                    case "--title": title = Value(); break;
                    case "--warmup": warmup = Count("--warmup", 0); break;
                    case "--repetitions": repetitions = Count("--repetitions", 1); break;
                    case "--no-latency": latency = false; break;
                    case var a when a.StartsWith("--", StringComparison.Ordinal): throw new ArgumentException($"unknown option {a}.");
                    default: runs.Add(args[i]); break;
                }
            }
            if (runs.Count == 0)
            {
                throw new ArgumentException("no RUN given.");
            }
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"aqd-train-report: {e.Message}\n{Usage}");
            return 2;
        }
        try
        {
            var loaded = runs.Select(RunLoader.Load).ToList();
            var ms = latency && loaded.Any(r => r.BlobPath is not null) ? LatencyMeter.Measure(loaded, warmup, repetitions, stderr) : null;
            var table = new ResultsTable(loaded, ms);
            string text = table.ToMarkdown();
            if (md is null)
            {
                stdout.Write(text);
            }
            else
            {
                File.WriteAllText(md, text);
                stderr.WriteLine($"wrote {md}");
            }
            if (png is not null)
            {
                ApPlot.Write(png, loaded, title);
                stderr.WriteLine($"wrote {png}");
            }
            return 0;
        }
        catch (ReportInputException e)
        {
            stderr.WriteLine($"aqd-train-report: {e.Message}");
            return 1;
        }
    }
}
