using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Mapping;
using Spectre.Console;

namespace AQD.Edge.Profiling;

/// <summary>The `profile` verb in one call: load, fill the input, profile, print and write the reports.</summary>
public static class ProfileRunner
{
    /// <summary>Loads <see cref="ProfileOptions.Model"/>, profiles it and returns the raw run and its report (no output).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="BlobFormatException">The model blob is invalid.</exception>
    public static (ProfileRun Run, ProfileReport Report) Profile(ProfileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var mapped = MappedBlobFile.Open(options.Model);
        var blob = BlobReader.Open(mapped.Bytes, Path.GetFileName(options.Model));
        using var engine = InferenceEngine.Load(blob, new EngineOptions { Threads = options.Threads });
        if (options.Image is { } image)
        {
            ProfileInput.FromImage(engine, blob.Metadata, image);
        }
        else
        {
            ProfileInput.Random(engine, options.Seed);
        }
        var run = Profiler.Run(engine, options.Settings, options.Model);
        return (run, ProfileReport.From(run));
    }

    /// <summary>
    /// Profiles, prints the tables to <paramref name="output"/> and writes the JSON report and the
    /// trace if asked. Returns the process exit code: 0, or 1 after printing the error for invalid
    /// options or an invalid model.
    /// </summary>
    public static int Run(ProfileOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = output == Console.Out ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = output == Console.Out ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (output != Console.Out || Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;   // a file or pipe: no terminal width to fit; keep op names on one line
        }
        ProfileRun run;
        ProfileReport report;
        try
        {
            (run, report) = Profile(options);
        }
        catch (Exception e) when (e is ArgumentException or BlobFormatException or IOException or UnauthorizedAccessException
                                       or SixLabors.ImageSharp.ImageFormatException or NotSupportedException)
        {
            console.MarkupLine($"[red]profile:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
        ProfileTable.Write(console, report);
        if (options.Json is { } json)
        {
            File.WriteAllText(json, ProfileJson.Serialize(report));
            console.MarkupLine($"wrote {Markup.Escape(json)}");
        }
        if (options.Trace is { } trace)
        {
            using (var stream = File.Create(trace))
            {
                PerfettoTrace.Write(stream, run);
            }
            console.MarkupLine($"wrote {Markup.Escape(trace)} (open in ui.perfetto.dev)");
        }
        return 0;
    }
}
