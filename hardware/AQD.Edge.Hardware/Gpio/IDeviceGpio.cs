namespace AQD.Edge.Hardware.Gpio;

/// <summary>What the status LED shows.</summary>
public enum LedStatus
{
    /// <summary>Dark.</summary>
    Off,
    /// <summary>Running: a 100 ms flash every second.</summary>
    Heartbeat,
    /// <summary>Fault: 200 ms on / 200 ms off.</summary>
    Error,
}

/// <summary>
/// The worker's GPIO: status LED, detection output, trigger input. <see cref="DeviceGpio.Create"/>
/// returns <see cref="NullDeviceGpio"/> where the machine has no GPIO chip, so callers never check.
/// </summary>
public interface IDeviceGpio : IDisposable
{
    /// <summary>False for the null implementation.</summary>
    bool IsAvailable { get; }
    /// <summary>Current LED status.</summary>
    LedStatus Status { get; }
    /// <summary>Switches the LED pattern.</summary>
    void SetStatus(LedStatus status);
    /// <summary>Drives the detection output (high while the chosen label is present). Writes only on change.</summary>
    void SetDetection(bool present);
    /// <summary>Raised on a rising edge of the trigger input (from a GPIO event thread).</summary>
    event EventHandler? Triggered;
}

/// <summary>No GPIO: every call does nothing.</summary>
public sealed class NullDeviceGpio : IDeviceGpio
{
    /// <summary>The instance.</summary>
    public static NullDeviceGpio Instance { get; } = new();
    /// <inheritdoc />
    public bool IsAvailable => false;
    /// <inheritdoc />
    public LedStatus Status { get; private set; }
    /// <inheritdoc />
    public void SetStatus(LedStatus status) => Status = status;
    /// <inheritdoc />
    public void SetDetection(bool present) { }
    /// <inheritdoc />
    public event EventHandler? Triggered { add { } remove { } }
    /// <inheritdoc />
    public void Dispose() { }
}
