using AQD.Edge.Hardware.Gpio;

namespace AQD.Edge.Worker.Tests.Support;

/// <summary>An <see cref="IDeviceGpio"/> that records what the pipeline asks of the LED and the detection pin.</summary>
internal sealed class RecordingGpio : IDeviceGpio
{
    private readonly Lock _gate = new();
    public List<LedStatus> StatusChanges { get; } = [];
    public List<bool> DetectionChanges { get; } = [];

    public bool IsAvailable => true;
    public LedStatus Status { get; private set; }

    public void SetStatus(LedStatus status)
    {
        lock (_gate) { if (StatusChanges.Count == 0 || StatusChanges[^1] != status) StatusChanges.Add(status); Status = status; }
    }

    public void SetDetection(bool present)
    {
        lock (_gate) { if (DetectionChanges.Count == 0 || DetectionChanges[^1] != present) DetectionChanges.Add(present); }
    }

    public event EventHandler? Triggered { add { } remove { } }
    public void Dispose() { }
}
