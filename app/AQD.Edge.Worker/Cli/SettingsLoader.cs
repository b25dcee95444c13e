using AQD.Edge.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace AQD.Edge.Worker.Cli;

/// <summary>Builds, binds and validates the settings for a verb; a bad setting is one clear message
/// on stderr (every failure, each naming its setting) and exit code <see cref="WorkerCli.BadSettings"/>.</summary>
internal static class SettingsLoader
{
    public static bool TryLoad(string? configFile, IEnumerable<string> overrides, IDictionary<string, string?>? verbDefaults, bool requireModel,
        TextWriter error, out WorkerSettings settings, out IConfiguration configuration)
    {
        settings = null!;
        configuration = null!;
        List<string> failures;
        try
        {
            configuration = WorkerConfiguration.Build(configFile, overrides, verbDefaults);
            settings = WorkerSettings.Bind(configuration, out failures);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or InvalidOperationException)
        {
            error.WriteLine($"aqd-edge: invalid settings: {e.Message}");
            return false;
        }
        failures.AddRange(settings.Validate(requireModel)); // every problem at once, binding and rules
        if (failures.Count == 0) return true;
        error.WriteLine($"aqd-edge: invalid settings ({failures.Count}):");
        foreach (var f in failures) error.WriteLine("  - " + f);
        return false;
    }
}
