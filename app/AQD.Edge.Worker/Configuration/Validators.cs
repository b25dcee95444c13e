using Microsoft.Extensions.Options;

namespace AQD.Edge.Worker.Configuration;

// Source-generated (AOT-safe) validators of the DataAnnotations attributes of each settings section.

[OptionsValidator]
public sealed partial class DetectorSettingsValidator : IValidateOptions<DetectorSettings>;

[OptionsValidator]
public sealed partial class CameraSettingsValidator : IValidateOptions<CameraSettings>;

[OptionsValidator]
public sealed partial class PipelineSettingsValidator : IValidateOptions<PipelineSettings>;

[OptionsValidator]
public sealed partial class GpioSettingsValidator : IValidateOptions<GpioSettings>;
