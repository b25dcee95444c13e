using System.Device.Gpio;
using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Gpio;
using AQD.Edge.Hardware.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace AQD.Edge.Hardware.Tests.Gpio;

public class DeviceGpioTests
{
    [Fact]
    public void No_gpio_chip_gives_the_null_implementation_and_one_log_line()
    {
        var logger = new ListLogger<DeviceGpioTests>();
        var gpio = DeviceGpio.Create(BoardProfile.RaspberryPi4.Pins, logger: logger,
            controllerFactory: () => throw new PlatformNotSupportedException("no gpiochip"));
        Assert.Same(NullDeviceGpio.Instance, gpio);
        Assert.False(gpio.IsAvailable);
        gpio.SetStatus(LedStatus.Error);
        gpio.SetDetection(true);
        gpio.Dispose();
        Assert.Single(logger.Entries, e => e.Message.Contains("running without GPIO", StringComparison.Ordinal));
    }

    [Fact]
    public void The_real_controller_on_this_machine_is_optional()
    {
        // The build machine has no GPIO chip: Create must not throw (whatever the machine).
        using var gpio = DeviceGpio.Create(BoardProfile.RaspberryPi4.Pins);
        Assert.NotNull(gpio);
        Assert.Same(NullDeviceGpio.Instance, DeviceGpio.Create(GpioPins.None));
    }

    [Fact]
    public void Heartbeat_error_blink_detection_and_trigger()
    {
        var driver = new FakeGpioDriver();
        var clock = new FakeTimeProvider();
        using var gpio = new DeviceGpio(new GpioController(driver), new GpioPins(17, 27, 22), clock);
        Assert.True(gpio.IsAvailable);

        gpio.SetStatus(LedStatus.Heartbeat);
        var lit = new List<bool>();
        for (int i = 0; i < 20; i++) { lit.Add(driver.ValueOf(17) == PinValue.High); clock.Advance(DeviceGpio.Tick); }
        Assert.Equal(2, lit.Count(x => x));           // one 100 ms flash per second
        gpio.SetStatus(LedStatus.Error);
        lit.Clear();
        for (int i = 0; i < 20; i++) { lit.Add(driver.ValueOf(17) == PinValue.High); clock.Advance(DeviceGpio.Tick); }
        Assert.Equal(10, lit.Count(x => x));          // 200 ms on / 200 ms off

        int before = driver.Writes.Count(w => w.Pin == 27);
        gpio.SetDetection(true); gpio.SetDetection(true); gpio.SetDetection(false);
        Assert.Equal(2, driver.Writes.Count(w => w.Pin == 27) - before);   // writes only on change
        Assert.Equal(PinValue.Low, driver.ValueOf(27));

        int triggers = 0;
        gpio.Triggered += (_, _) => triggers++;
        driver.RaiseRising(22);
        Assert.Equal(1, triggers);
    }

    [Fact]
    public void A_pin_that_cannot_be_opened_disables_only_that_output()
    {
        var driver = new FakeGpioDriver();
        driver.Unsupported.Add(17);
        using var gpio = new DeviceGpio(new GpioController(driver), new GpioPins(17, 27, null), new FakeTimeProvider());
        gpio.SetStatus(LedStatus.Error);
        gpio.SetDetection(true);
        Assert.DoesNotContain(driver.Writes, w => w.Pin == 17);
        Assert.Equal(PinValue.High, driver.ValueOf(27));
    }
}
