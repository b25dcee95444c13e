using System.CommandLine;
using AQD.Edge.Worker.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Worker.Cli;

/// <summary><c>aqd-edge run</c>: the service (Microsoft.Extensions.Hosting, systemd integration:
/// notify readiness, journal-friendly log lines, SIGTERM = clean stop with <c>offline</c>).</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var cmd = WorkerCli.WithOverrides(new Command("run",
            "Run the worker: camera -> detector -> MQTT (embedded broker on 127.0.0.1 when Mqtt:Host is empty). Settings overrides: --Section:Key=value."));
        cmd.SetAction(async (parse, ct) =>
        {
            if (!SettingsLoader.TryLoad(WorkerCli.ConfigFile(parse), parse.UnmatchedTokens, null, requireModel: true, error, out var settings, out var config))
                return WorkerCli.BadSettings;
            var host = BuildHost(settings, config);
            try
            {
                await host.RunAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error.WriteLine($"aqd-edge run: {e.Message}");
                return WorkerCli.Failed;
            }
            return Environment.ExitCode == 0 ? WorkerCli.Ok : Environment.ExitCode;
        });
        return cmd;
    }

    public static IHost BuildHost(WorkerSettings settings, IConfiguration config)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddConfiguration(config);
        builder.Logging.AddConfiguration(config.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; o.UseUtcTimestamp = true; });
        builder.Services.AddSystemd();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<WorkerService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        return builder.Build();
    }
}
