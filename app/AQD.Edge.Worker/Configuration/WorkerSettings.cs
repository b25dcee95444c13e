using AQD.Edge.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AQD.Edge.Worker.Configuration;

/// <summary>
/// Every settings section of the worker, bound from configuration (appsettings.json, AQD_*
/// environment variables, command-line <c>--Section:Key=value</c>) by the source-generated binder
/// and validated by the source-generated validators plus the cross-field rules.
/// </summary>
public sealed class WorkerSettings
{
    public required DetectorSettings Detector { get; init; }
    public required CameraSettings Camera { get; init; }
    public required PipelineSettings Pipeline { get; init; }
    public required GpioSettings Gpio { get; init; }
    public required MqttOptions Mqtt { get; init; }

    /// <summary>Binds every section; a value that cannot be converted (e.g. "abc" for a number) is a failure too.</summary>
    public static WorkerSettings Bind(IConfiguration configuration, out List<string> failures)
    {
        var errors = new List<string>();
        var settings = new WorkerSettings
        {
            Detector = new DetectorSettings(),
            Camera = new CameraSettings(),
            Pipeline = new PipelineSettings(),
            Gpio = new GpioSettings(),
            Mqtt = new MqttOptions(),
        };
        // One explicit Bind call per section: the configuration binder source generator needs the concrete types.
        Try(DetectorSettings.SectionName, () => configuration.GetSection(DetectorSettings.SectionName).Bind(settings.Detector));
        Try(CameraSettings.SectionName, () => configuration.GetSection(CameraSettings.SectionName).Bind(settings.Camera));
        Try(PipelineSettings.SectionName, () => configuration.GetSection(PipelineSettings.SectionName).Bind(settings.Pipeline));
        Try(GpioSettings.SectionName, () => configuration.GetSection(GpioSettings.SectionName).Bind(settings.Gpio));
        Try(MqttOptions.SectionName, () => configuration.GetSection(MqttOptions.SectionName).Bind(settings.Mqtt));
        failures = errors;
        return settings;

        void Try(string section, Action bind)
        {
            try
            {
                bind();
            }
            catch (InvalidOperationException e)
            {
                errors.Add($"{section}: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : "")}");
            }
        }
    }

    /// <summary>All failures (attributes and cross-field rules), each naming its setting.</summary>
    public List<string> Validate(bool requireModel = true)
    {
        var failures = new List<string>();
        void Add<T>(string section, ValidateOptionsResult r) where T : class
        {
            if (r.Failed) failures.AddRange(r.Failures.Select(f => f.StartsWith(section, StringComparison.Ordinal) ? f : $"{section}: {f}"));
        }
        Add<DetectorSettings>(DetectorSettings.SectionName, new DetectorSettingsValidator().Validate(null, Detector));
        Add<CameraSettings>(CameraSettings.SectionName, new CameraSettingsValidator().Validate(null, Camera));
        Add<PipelineSettings>(PipelineSettings.SectionName, new PipelineSettingsValidator().Validate(null, Pipeline));
        Add<GpioSettings>(GpioSettings.SectionName, new GpioSettingsValidator().Validate(null, Gpio));
        Add<MqttOptions>(MqttOptions.SectionName, new MqttOptionsFullValidator().Validate(null, Mqtt));
        failures.AddRange(Camera.CrossFieldFailures());
        failures.AddRange(Pipeline.CrossFieldFailures());
        if (requireModel && !File.Exists(Detector.ResolvedModelPath))
            failures.Add($"Detector:Model '{Detector.Model}' not found (looked in {Environment.CurrentDirectory} and {AppContext.BaseDirectory}).");
        return failures;
    }
}
