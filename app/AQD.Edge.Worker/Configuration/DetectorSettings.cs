using System.ComponentModel.DataAnnotations;

namespace AQD.Edge.Worker.Configuration;

/// <summary>Section "Detector": the model blob and the detector's integer thresholds.</summary>
public sealed class DetectorSettings
{
    public const string SectionName = "Detector";

    /// <summary>Model blob (.aqd). A relative path is looked up in the working directory, then next to the binary.</summary>
    [Required]
    public string Model { get; set; } = "models/nanodet-g-416-int8.aqd";

    /// <summary>Inference threads; 0 = the board's core count.</summary>
    [Range(0, 64)]
    public int Threads { get; set; }

    /// <summary>Score threshold in parts per thousand (null: the model's default).</summary>
    [Range(0, 1000)]
    public int? ScoreThresholdPermille { get; set; }

    /// <summary>NMS IoU threshold in parts per thousand (null: the model's default).</summary>
    [Range(0, 1000)]
    public int? IouThresholdPermille { get; set; }

    /// <summary>Detections per frame at most (null: the model's default).</summary>
    [Range(1, 1000)]
    public int? MaxDetections { get; set; }

    /// <summary>The model path as found (working directory first, then the binary's folder).</summary>
    public string ResolvedModelPath => SettingsPaths.Resolve(Model);
}
