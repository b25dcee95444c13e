using System.Device.Gpio;
using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AQD.Edge.Hardware.Gpio;

/// <summary>
/// GPIO through System.Device.Gpio. The LED pattern runs on a 100 ms timer of the injected
/// TimeProvider (testable with a fake clock). A pin that cannot be opened is logged and left out;
/// the others keep working.
/// </summary>
public sealed class DeviceGpio : IDeviceGpio
{
    /// <summary>LED pattern step.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly GpioController _controller;
    private readonly int? _led, _detection, _trigger;
    private readonly ITimer? _timer;
    private readonly object _gate = new();
    private LedStatus _status;
    private int _step;
    private bool _ledOn;
    private bool? _detectionState;
    private EventHandler? _triggered;

    /// <summary>Opens the pins of <paramref name="pins"/> on <paramref name="controller"/> (owned: disposed with this).</summary>
    public DeviceGpio(GpioController controller, GpioPins pins, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        _controller = controller;
        logger ??= NullLogger.Instance;
        _led = Open(pins.StatusLed, PinMode.Output, logger);
        _detection = Open(pins.Detection, PinMode.Output, logger);
        _trigger = Open(pins.Trigger, PinMode.InputPullDown, logger) ?? Open(pins.Trigger, PinMode.Input, logger);
        if (_trigger is int t)
            _controller.RegisterCallbackForPinValueChangedEvent(t, PinEventTypes.Rising, OnTrigger);
        if (_led is not null)
            _timer = (timeProvider ?? TimeProvider.System).CreateTimer(_ => Step(), null, Tick, Tick);
        Log.GpioReady(logger, Describe(_led), Describe(_detection), Describe(_trigger));
    }

    /// <summary>
    /// GPIO if the machine has it, else <see cref="NullDeviceGpio"/> (logged once here). No pins
    /// configured also gives the null implementation.
    /// </summary>
    public static IDeviceGpio Create(GpioPins pins, TimeProvider? timeProvider = null, ILogger? logger = null, Func<GpioController>? controllerFactory = null)
    {
        logger ??= NullLogger.Instance;
        if (pins.StatusLed is null && pins.Detection is null && pins.Trigger is null) return NullDeviceGpio.Instance;
        GpioController controller;
        try
        {
            controller = controllerFactory is null ? new GpioController() : controllerFactory();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No GPIO chip (x86 workstation, container): run without GPIO.
            Log.GpioUnavailable(logger, ex.GetType().Name + ": " + ex.Message);
            return NullDeviceGpio.Instance;
        }
        return new DeviceGpio(controller, pins, timeProvider, logger);
    }

    /// <inheritdoc />
    public bool IsAvailable => true;
    /// <inheritdoc />
    public LedStatus Status { get { lock (_gate) return _status; } }
    /// <summary>Whether the LED is lit now (for tests and the self-check).</summary>
    public bool LedOn { get { lock (_gate) return _ledOn; } }

    /// <inheritdoc />
    public event EventHandler? Triggered { add => _triggered += value; remove => _triggered -= value; }

    /// <inheritdoc />
    public void SetStatus(LedStatus status)
    {
        lock (_gate)
        {
            if (_status == status) return;
            _status = status;
            _step = 0;
            ApplyLed();
        }
    }

    /// <inheritdoc />
    public void SetDetection(bool present)
    {
        if (_detection is not int pin) return;
        lock (_gate)
        {
            if (_detectionState == present) return;
            _detectionState = present;
            _controller.Write(pin, present ? PinValue.High : PinValue.Low);
        }
    }

    /// <summary>LED on/off at step <paramref name="step"/> (100 ms steps) of <paramref name="status"/>.</summary>
    public static bool LedPattern(LedStatus status, int step) => status switch
    {
        LedStatus.Heartbeat => step % 10 == 0,
        LedStatus.Error => step % 4 < 2,
        _ => false,
    };

    private void Step()
    {
        lock (_gate)
        {
            _step = (_step + 1) % 20;
            ApplyLed();
        }
    }

    private void ApplyLed()
    {
        if (_led is not int pin) return;
        bool on = LedPattern(_status, _step);
        if (on == _ledOn) return;
        _ledOn = on;
        _controller.Write(pin, on ? PinValue.High : PinValue.Low);
    }

    private void OnTrigger(object sender, PinValueChangedEventArgs e) => _triggered?.Invoke(this, EventArgs.Empty);

    private int? Open(int? pin, PinMode mode, ILogger logger)
    {
        if (pin is not int p) return null;
        try
        {
            if (!_controller.IsPinModeSupported(p, mode)) return null;
            _controller.OpenPin(p, mode);
            if (mode == PinMode.Output) _controller.Write(p, PinValue.Low);
            return p;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.GpioPinFailed(logger, p, ex.Message);
            return null;
        }
    }

    private static string Describe(int? pin) => pin is int p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";

    /// <inheritdoc />
    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            try
            {
                if (_trigger is int t) _controller.UnregisterCallbackForPinValueChangedEvent(t, OnTrigger);
                if (_led is int l) _controller.Write(l, PinValue.Low);
                if (_detection is int d) _controller.Write(d, PinValue.Low);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
                // shutting down: nothing to do
            }
        }
        _controller.Dispose();
    }
}
