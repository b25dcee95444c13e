using AQD.Edge.Worker.Configuration;
using AQD.Edge.Worker.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Worker.Cli;

/// <summary>
/// The hosted worker: starts the <see cref="WorkerRuntime"/> and runs its pipeline until the host
/// stops (SIGTERM, Ctrl+C) or a finite input ends (then it stops the application). Per-frame and
/// per-connection failures are handled inside the pipeline and the publisher (logged, counted,
/// retried with backoff); only a failure to start (model, MQTT queue folder) ends the process with
/// exit code 1.
/// </summary>
internal sealed partial class WorkerService(WorkerSettings settings, ILoggerFactory loggers, TimeProvider time, IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly ILogger _log = loggers.CreateLogger("aqd-edge");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        WorkerRuntime runtime;
        try
        {
            runtime = await WorkerRuntime.StartAsync(settings, loggers, time, ct: stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogStartFailed(e.Message);
            Environment.ExitCode = WorkerCli.Failed;
            lifetime.StopApplication();
            return;
        }
        await using (runtime.ConfigureAwait(false))
        {
            LogStarted(runtime.Mqtt.EmbeddedBrokerPort is int port ? $"embedded broker 127.0.0.1:{port}" : $"{settings.Mqtt.Host}:{settings.Mqtt.Port}", runtime.Mqtt.Topics.Prefix);
            await runtime.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        if (!stoppingToken.IsCancellationRequested) lifetime.StopApplication(); // finite input ended
    }

    [LoggerMessage(3050, LogLevel.Critical, "Worker could not start: {Error}")]
    private partial void LogStartFailed(string error);

    [LoggerMessage(3051, LogLevel.Information, "Worker running: MQTT {Broker}, topics {Prefix}/...")]
    private partial void LogStarted(string broker, string prefix);
}
