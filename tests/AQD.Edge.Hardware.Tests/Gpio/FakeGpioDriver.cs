using System.Device.Gpio;

namespace AQD.Edge.Hardware.Tests.Gpio;

/// <summary>An in-memory GPIO chip: records writes, lets tests raise edges.</summary>
internal sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _values = [];
    private readonly Dictionary<int, PinChangeEventHandler> _callbacks = [];

    public List<(int Pin, PinValue Value)> Writes { get; } = [];
    public HashSet<int> Unsupported { get; } = [];

    protected override int PinCount => 28;
    protected override void OpenPin(int pinNumber) => _values.TryAdd(pinNumber, PinValue.Low);
    protected override void ClosePin(int pinNumber) => _values.Remove(pinNumber);
    protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;
    protected override PinMode GetPinMode(int pinNumber) => _modes.GetValueOrDefault(pinNumber, PinMode.Input);
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => !Unsupported.Contains(pinNumber);
    protected override PinValue Read(int pinNumber) => _values.GetValueOrDefault(pinNumber, PinValue.Low);
    protected override void Toggle(int pinNumber) => Write(pinNumber, !Read(pinNumber));
    protected override void Write(int pinNumber, PinValue value)
    {
        lock (Writes) Writes.Add((pinNumber, value));
        _values[pinNumber] = value;
    }
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
        => new() { TimedOut = true, EventTypes = PinEventTypes.None };
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) => _callbacks[pinNumber] = callback;
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) => _callbacks.Remove(pinNumber);
    public override GpioChipInfo GetChipInfo() => new(0, "fake", "fake gpio", PinCount);

    public PinValue ValueOf(int pin) => _values.GetValueOrDefault(pin, PinValue.Low);
    public void RaiseRising(int pin) => _callbacks[pin](this, new PinValueChangedEventArgs(PinEventTypes.Rising, pin));
}
