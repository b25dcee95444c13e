using System.CommandLine;

namespace AQD.Edge.Worker.Cli;

/// <summary>
/// The verbs of <c>aqd-edge</c>: <c>run</c> (the service), <c>detect</c> (images → JSON),
/// <c>check</c> (self-test), <c>profile</c> (per-layer latency, AQD.Edge.Profiling), <c>demo</c> (bundled model and photos, embedded broker, printed events).
/// Settings come from appsettings.json, <c>--config FILE</c>, <c>AQD_Section__Key</c> environment
/// variables and <c>--Section:Key=value</c> overrides after the verb.
/// Exit codes: 0 ok, 1 failure, 2 invalid settings or usage.
/// </summary>
public static class WorkerCli
{
    public const int Ok = 0, Failed = 1, BadSettings = 2;

    internal static readonly Option<FileInfo?> ConfigOption = new("--config", "-c")
    {
        Description = "Extra settings file (JSON, same shape as appsettings.json) over the one next to the binary.",
        Recursive = true,
    };

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("aqd-edge: integer-only quantized object detection on the edge; camera -> detector -> MQTT.");
        root.Options.Add(ConfigOption);
        root.Subcommands.Add(RunCommand.Create(output, error));
        root.Subcommands.Add(DetectCommand.Create(output, error));
        root.Subcommands.Add(CheckCommand.Create(output, error));
        root.Subcommands.Add(AQD.Edge.Profiling.ProfileCommand.Create()); // per-layer latency profile (AQD.Edge.Profiling)
        root.Subcommands.Add(DemoCommand.Create(output, error));
        var parse = root.Parse(args);
        // ProcessTerminationTimeout = null: SIGTERM/SIGINT are the host's (run: clean stop with "offline"
        // within the systemd stop timeout), not System.CommandLine's 2-second cut-off.
        int code = parse.Invoke(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null });
        return parse.Errors.Count > 0 && code != Ok ? BadSettings : code;
    }

    /// <summary>A verb that takes <c>--Section:Key=value</c> settings overrides after its own options.</summary>
    internal static Command WithOverrides(Command command)
    {
        command.TreatUnmatchedTokensAsErrors = false;
        return command;
    }

    internal static string? ConfigFile(ParseResult parse) => parse.GetValue(ConfigOption)?.FullName;
}
