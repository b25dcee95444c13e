using System.Diagnostics;
using System.Globalization;
using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AQD.Edge.Hardware.Thermal;

/// <summary>Raspberry Pi firmware throttling flags (vcgencmd get_throttled bits).</summary>
[Flags]
public enum ThrottleFlags
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Under-voltage now.</summary>
    UnderVoltage = 1 << 0,
    /// <summary>ARM frequency capped now.</summary>
    FrequencyCapped = 1 << 1,
    /// <summary>Throttled now.</summary>
    Throttled = 1 << 2,
    /// <summary>Soft temperature limit active now.</summary>
    SoftTempLimit = 1 << 3,
    /// <summary>Under-voltage has occurred since boot.</summary>
    UnderVoltageOccurred = 1 << 16,
    /// <summary>Frequency capping has occurred.</summary>
    FrequencyCappedOccurred = 1 << 17,
    /// <summary>Throttling has occurred.</summary>
    ThrottledOccurred = 1 << 18,
    /// <summary>Soft temperature limit has occurred.</summary>
    SoftTempLimitOccurred = 1 << 19,
}

/// <summary>One thermal reading.</summary>
/// <param name="CpuMilliCelsius">CPU temperature in millidegrees Celsius (integer, as sysfs gives it); null if unknown.</param>
/// <param name="Zone">Zone it came from (e.g. "thermal_zone0 cpu-thermal").</param>
/// <param name="Throttle">Throttling flags; null where the board cannot tell.</param>
public readonly record struct ThermalReading(int? CpuMilliCelsius, string? Zone, ThrottleFlags? Throttle);

/// <summary>
/// CPU temperature from sysfs (<c>sys/class/thermal/thermal_zone*/temp</c>, millidegrees) and, on a
/// Raspberry Pi, throttling from <c>sys/devices/platform/soc/soc:firmware/get_throttled</c> (newer
/// kernels) or <c>vcgencmd get_throttled</c>. Everything is read under an injectable root; the
/// vcgencmd call is an injectable function (null disables it). Never throws for missing files.
/// </summary>
public sealed class ThermalMonitor
{
    /// <summary>Firmware throttling file, relative to the root.</summary>
    public const string ThrottledFile = "sys/devices/platform/soc/soc:firmware/get_throttled";

    private readonly string _root;
    private readonly BoardProfile _board;
    private readonly Func<string?>? _vcgencmd;
    private readonly ILogger _logger;
    private readonly HashSet<string> _reportedFailures = new(StringComparer.Ordinal);

    /// <param name="board">Profile (its thermal zone and whether vcgencmd exists).</param>
    /// <param name="root">Filesystem root ("/" on the device).</param>
    /// <param name="vcgencmd">Returns `vcgencmd get_throttled` output; default runs the command on boards that have it.</param>
    /// <param name="logger">Logger.</param>
    public ThermalMonitor(BoardProfile board, string root = "/", Func<string?>? vcgencmd = null, ILogger? logger = null)
    {
        _board = board;
        _root = root;
        _vcgencmd = vcgencmd ?? (board.HasVcgencmd ? RunVcgencmd : null);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Reads temperature and throttling now.</summary>
    public ThermalReading Read()
    {
        int? temp = null;
        string? zone = null;
        if (_board.ThermalZone is { } fixedZone)
        {
            temp = ReadInt(Path.Combine(_root, fixedZone, "temp"));
            zone = Path.GetFileName(fixedZone);
        }
        if (temp is null)
        {
            // Preferred types first, else the hottest zone.
            string dir = Path.Combine(_root, "sys/class/thermal");
            if (Directory.Exists(dir))
            {
                int bestRank = int.MaxValue;
                foreach (var zoneDir in Directory.EnumerateDirectories(dir, "thermal_zone*").Order(StringComparer.Ordinal))
                {
                    int? t = ReadInt(Path.Combine(zoneDir, "temp"));
                    if (t is null) continue;
                    string type = ReadText(Path.Combine(zoneDir, "type")) ?? "";
                    int rank = type is "cpu-thermal" or "cpu_thermal" or "x86_pkg_temp" or "CPU-therm" or "k10temp" ? 0 : 1;
                    if (rank < bestRank || (rank == bestRank && t > temp))
                    {
                        bestRank = rank;
                        temp = t;
                        zone = $"{Path.GetFileName(zoneDir)} {type}".TrimEnd();
                    }
                }
            }
        }
        return new ThermalReading(temp, zone, ReadThrottle());
    }

    private ThrottleFlags? ReadThrottle()
    {
        string? text = ReadText(Path.Combine(_root, ThrottledFile));
        if (text is not null && TryParseHex(text, out int bits)) return (ThrottleFlags)bits;
        if (_vcgencmd is null) return null;
        string? output;
        try { output = _vcgencmd(); }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            ReportOnce("vcgencmd", ex.Message);
            return null;
        }
        return output is not null && TryParseThrottled(output, out var flags) ? flags : null;
    }

    /// <summary>Parses "throttled=0x50005" (vcgencmd) into flags.</summary>
    public static bool TryParseThrottled(string text, out ThrottleFlags flags)
    {
        flags = ThrottleFlags.None;
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        string value = eq >= 0 ? text[(eq + 1)..] : text;
        if (!TryParseHex(value, out int bits)) return false;
        flags = (ThrottleFlags)bits;
        return true;
    }

    private static bool TryParseHex(string text, out int value)
    {
        text = text.Trim().Trim('\0');
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) text = text[2..];
        return int.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }

    private int? ReadInt(string path)
    {
        string? text = ReadText(path);
        return text is not null && int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
    }

    private string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ReportOnce(path, ex.Message);
            return null;
        }
    }

    private void ReportOnce(string path, string reason)
    {
        lock (_reportedFailures)
            if (!_reportedFailures.Add(path)) return;
        Log.ThermalReadFailed(_logger, path, reason);
    }

    private static string? RunVcgencmd()
    {
        using var p = Process.Start(new ProcessStartInfo("vcgencmd", "get_throttled") { RedirectStandardOutput = true, UseShellExecute = false });
        if (p is null) return null;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(2000);
        return output;
    }
}
