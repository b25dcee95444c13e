using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Tests.Support;
using AQD.Edge.Hardware.Thermal;

namespace AQD.Edge.Hardware.Tests.Thermal;

public class ThermalMonitorTests
{
    private static string Tree(params (string Zone, string Type, string Temp)[] zones)
    {
        string root = TestPaths.NewTempDir("sysfs");
        foreach (var z in zones)
        {
            string dir = Path.Combine(root, "sys/class/thermal", z.Zone);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "type"), z.Type + "\n");
            File.WriteAllText(Path.Combine(dir, "temp"), z.Temp + "\n");
        }
        return root;
    }

    [Fact]
    public void Raspberry_pi_reads_zone0_and_the_firmware_throttle_file()
    {
        string root = Tree(("thermal_zone0", "cpu-thermal", "61850"));
        string throttled = Path.Combine(root, ThermalMonitor.ThrottledFile);
        Directory.CreateDirectory(Path.GetDirectoryName(throttled)!);
        File.WriteAllText(throttled, "50005\n");
        var m = new ThermalMonitor(BoardProfile.RaspberryPi4, root, vcgencmd: () => throw new InvalidOperationException("must not be called"));
        var r = m.Read();
        Assert.Equal(61850, r.CpuMilliCelsius);
        Assert.Equal(ThrottleFlags.UnderVoltage | ThrottleFlags.Throttled | ThrottleFlags.UnderVoltageOccurred | ThrottleFlags.ThrottledOccurred, r.Throttle);
    }

    [Fact]
    public void Vcgencmd_is_the_fallback_for_throttling()
    {
        string root = Tree(("thermal_zone0", "cpu-thermal", "45000"));
        var r = new ThermalMonitor(BoardProfile.RaspberryPi5, root, vcgencmd: () => "throttled=0x80008\n").Read();
        Assert.Equal(ThrottleFlags.SoftTempLimit | ThrottleFlags.SoftTempLimitOccurred, r.Throttle);
        Assert.True(ThermalMonitor.TryParseThrottled("throttled=0x0", out var none));
        Assert.Equal(ThrottleFlags.None, none);
        Assert.False(ThermalMonitor.TryParseThrottled("garbage", out _));
    }

    [Fact]
    public void Generic_prefers_the_cpu_zone_type_else_the_hottest()
    {
        string root = Tree(("thermal_zone0", "acpitz", "30000"), ("thermal_zone1", "x86_pkg_temp", "52000"), ("thermal_zone2", "iwlwifi", "70000"));
        var r = new ThermalMonitor(BoardProfile.Generic, root).Read();
        Assert.Equal(52000, r.CpuMilliCelsius);
        Assert.Contains("x86_pkg_temp", r.Zone, StringComparison.Ordinal);
        Assert.Null(r.Throttle);

        string root2 = Tree(("thermal_zone0", "soc", "41000"), ("thermal_zone1", "gpu", "43000"));
        Assert.Equal(43000, new ThermalMonitor(BoardProfile.JetsonOrinNano, root2).Read().CpuMilliCelsius);
    }

    [Fact]
    public void Missing_sysfs_gives_nulls_not_exceptions()
    {
        var r = new ThermalMonitor(BoardProfile.RaspberryPi4, TestPaths.NewTempDir("empty"), vcgencmd: () => null).Read();
        Assert.Null(r.CpuMilliCelsius);
        Assert.Null(r.Throttle);
    }
}
