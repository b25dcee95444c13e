using System.ComponentModel.DataAnnotations;

namespace AQD.Edge.Worker.Configuration;

/// <summary>Section "Gpio": status LED, detection output, trigger input (BCM line numbers; null =
/// the board's default, -1 = not used). No GPIO chip: logged once, the worker goes on.</summary>
public sealed class GpioSettings
{
    public const string SectionName = "Gpio";

    public bool Enabled { get; set; } = true;

    [Range(-1, 511)]
    public int? StatusLed { get; set; }

    [Range(-1, 511)]
    public int? Detection { get; set; }

    [Range(-1, 511)]
    public int? Trigger { get; set; }

    /// <summary>The detection output is high while this label is present.</summary>
    [Required]
    public string DetectionLabel { get; set; } = "person";
}
