using System.ComponentModel.DataAnnotations;

namespace AQD.Edge.Worker.Configuration;

/// <summary>Section "Pipeline": queue sizes, what is reported, snapshots.</summary>
public sealed class PipelineSettings
{
    public const string SectionName = "Pipeline";

    /// <summary>Frames waiting between capture and detection; when full the oldest is dropped and counted.</summary>
    [Range(1, 64)]
    public int CaptureQueue { get; set; } = 2;

    /// <summary>Detection results waiting for the publisher; when full the oldest is dropped and counted.</summary>
    [Range(1, 1024)]
    public int ResultQueue { get; set; } = 8;

    /// <summary>Labels that make events (empty: every label of the model).</summary>
    public List<string> Labels { get; set; } = [];

    /// <summary>Publish a JPEG with boxes on &lt;camera&gt;/&lt;label&gt;/snapshot when an object appears.</summary>
    public bool Snapshots { get; set; } = true;

    /// <summary>At most one snapshot per label in this interval.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Board profile override (RaspberryPi4, RaspberryPi5, JetsonOrinNano, Generic); null = detect.</summary>
    public AQD.Edge.Hardware.Boards.BoardKind? Board { get; set; }

    internal IEnumerable<string> CrossFieldFailures()
    {
        if (SnapshotInterval < TimeSpan.Zero || SnapshotInterval > TimeSpan.FromDays(1))
            yield return $"Pipeline:SnapshotInterval = {SnapshotInterval} is outside [0, 1.00:00:00].";
        foreach (var label in Labels)
            if (string.IsNullOrWhiteSpace(label)) yield return "Pipeline:Labels contains an empty label.";
    }
}
