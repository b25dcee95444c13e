using Microsoft.Extensions.Configuration;

namespace AQD.Edge.Worker.Configuration;

/// <summary>
/// The worker's configuration, lowest precedence first: <c>appsettings.json</c> next to the binary,
/// the file given with <c>--config</c>, the verb's own defaults (demo), environment variables
/// <c>AQD_Section__Key</c>, and command-line overrides <c>--Section:Key=value</c>.
/// </summary>
public static class WorkerConfiguration
{
    public const string EnvironmentPrefix = "AQD_";

    public static ConfigurationManager Build(string? configFile, IEnumerable<string> overrides, IDictionary<string, string?>? verbDefaults = null)
    {
        var config = new ConfigurationManager();
        config.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null) config.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        if (verbDefaults is not null) config.AddInMemoryCollection(verbDefaults);
        config.AddEnvironmentVariables(EnvironmentPrefix);
        config.AddCommandLine([.. overrides]);
        return config;
    }
}
