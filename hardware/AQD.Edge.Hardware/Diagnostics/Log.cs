using Microsoft.Extensions.Logging;

namespace AQD.Edge.Hardware.Diagnostics;

/// <summary>Source-generated log messages of the hardware layer.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "{Source}: started {Command}")]
    public static partial void ProcessStarted(ILogger logger, string source, string command);

    [LoggerMessage(1002, LogLevel.Warning, "{Source}: could not start the process: {Reason}")]
    public static partial void ProcessStartFailed(ILogger logger, string source, string reason);

    [LoggerMessage(1003, LogLevel.Warning, "{Source}: stream lost (exit code {ExitCode}{LastError}); reconnect {Attempt} in {Delay}")]
    public static partial void StreamLost(ILogger logger, string source, string exitCode, string lastError, int attempt, TimeSpan delay);

    [LoggerMessage(1004, LogLevel.Error, "{Source}: giving up after {Attempts} consecutive failed attempts")]
    public static partial void GaveUp(ILogger logger, string source, int attempts);

    [LoggerMessage(1005, LogLevel.Information, "{Source}: end of stream (exit code {ExitCode})")]
    public static partial void EndOfStream(ILogger logger, string source, string exitCode);

    [LoggerMessage(1006, LogLevel.Debug, "{Source} stderr: {Line}")]
    public static partial void ProcessStderr(ILogger logger, string source, string line);

    [LoggerMessage(1007, LogLevel.Warning, "{Source}: frame skipped: {Reason}")]
    public static partial void FrameSkipped(ILogger logger, string source, string reason);

    [LoggerMessage(1008, LogLevel.Warning, "{Source}: read failed: {Reason}")]
    public static partial void ReadFailed(ILogger logger, string source, string reason);

    [LoggerMessage(1009, LogLevel.Warning, "{Source}: no images in {Folder}")]
    public static partial void EmptyFolder(ILogger logger, string source, string folder);

    [LoggerMessage(1010, LogLevel.Information, "{Source}: stream restored after {Attempts} attempt(s)")]
    public static partial void StreamRestored(ILogger logger, string source, int attempts);

    [LoggerMessage(2001, LogLevel.Warning, "GPIO unavailable ({Reason}); running without GPIO")]
    public static partial void GpioUnavailable(ILogger logger, string reason);

    [LoggerMessage(2002, LogLevel.Warning, "GPIO pin {Pin} could not be opened ({Reason}); that output is disabled")]
    public static partial void GpioPinFailed(ILogger logger, int pin, string reason);

    [LoggerMessage(2003, LogLevel.Information, "GPIO ready: status LED {Led}, detection output {Detection}, trigger input {Trigger}")]
    public static partial void GpioReady(ILogger logger, string led, string detection, string trigger);

    [LoggerMessage(3001, LogLevel.Information, "Board: {Board} ({How})")]
    public static partial void BoardDetected(ILogger logger, string board, string how);

    [LoggerMessage(3002, LogLevel.Debug, "Thermal: cannot read {Path}: {Reason}")]
    public static partial void ThermalReadFailed(ILogger logger, string path, string reason);
}
