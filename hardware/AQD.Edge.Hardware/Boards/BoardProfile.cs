namespace AQD.Edge.Hardware.Boards;

/// <summary>Boards the worker knows.</summary>
public enum BoardKind
{
    /// <summary>Anything else (x86-64 workstation, unknown ARM board).</summary>
    Generic,
    /// <summary>Raspberry Pi 4 (Cortex-A72, AdvSimd without dot product).</summary>
    RaspberryPi4,
    /// <summary>Raspberry Pi 5 (Cortex-A76, AdvSimd + dot product).</summary>
    RaspberryPi5,
    /// <summary>NVIDIA Jetson Orin Nano (Cortex-A78AE).</summary>
    JetsonOrinNano,
}

/// <summary>Camera source kinds (the app maps them to an <see cref="Sources.IFrameSource"/>).</summary>
public enum CameraKind
{
    /// <summary>Synthetic frames, no camera.</summary>
    TestPattern,
    /// <summary>Photos from a folder.</summary>
    ImageFolder,
    /// <summary>ffmpeg: video file or RTSP/HTTP URL.</summary>
    Ffmpeg,
    /// <summary>rpicam-vid child process (Raspberry Pi CSI camera).</summary>
    Rpicam,
    /// <summary>V4L2 (USB webcam).</summary>
    V4l2,
}

/// <summary>GPIO line numbers (logical / BCM numbering on the Pi) used by the worker; null = not used.</summary>
/// <param name="StatusLed">Output: heartbeat, error blink.</param>
/// <param name="Detection">Output: high while the chosen label is present.</param>
/// <param name="Trigger">Input: optional external trigger.</param>
public sealed record GpioPins(int? StatusLed, int? Detection, int? Trigger)
{
    /// <summary>No pins.</summary>
    public static GpioPins None { get; } = new(null, null, null);
}

/// <summary>What the worker assumes about a board (every field overridable by configuration).</summary>
/// <param name="Kind">Board.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Cores">CPU cores for inference threads.</param>
/// <param name="DefaultCamera">Camera used when none is configured.</param>
/// <param name="Pins">Default GPIO lines.</param>
/// <param name="ThermalZone">sysfs thermal zone of the CPU (relative to the root, e.g.
/// "sys/class/thermal/thermal_zone0"); null: the hottest zone is reported.</param>
/// <param name="HasVcgencmd">Whether `vcgencmd get_throttled` exists (Raspberry Pi firmware).</param>
public sealed record BoardProfile(
    BoardKind Kind,
    string Name,
    int Cores,
    CameraKind DefaultCamera,
    GpioPins Pins,
    string? ThermalZone,
    bool HasVcgencmd)
{
    /// <summary>Raspberry Pi 4: 4 cores, CSI camera via rpicam-vid, LED on BCM 17, detection on BCM 27, trigger on BCM 22.</summary>
    public static BoardProfile RaspberryPi4 { get; } = new(BoardKind.RaspberryPi4, "Raspberry Pi 4", 4, CameraKind.Rpicam,
        new GpioPins(17, 27, 22), "sys/class/thermal/thermal_zone0", true);

    /// <summary>Raspberry Pi 5: as the Pi 4 (same header pins; GPIO lives on the RP1 chip, which libgpiod finds).</summary>
    public static BoardProfile RaspberryPi5 { get; } = new(BoardKind.RaspberryPi5, "Raspberry Pi 5", 4, CameraKind.Rpicam,
        new GpioPins(17, 27, 22), "sys/class/thermal/thermal_zone0", true);

    /// <summary>Jetson Orin Nano: 6 cores, USB camera; no default GPIO lines (Jetson line numbers
    /// differ per JetPack release: configure them), CPU zone found by type "cpu-thermal".</summary>
    public static BoardProfile JetsonOrinNano { get; } = new(BoardKind.JetsonOrinNano, "NVIDIA Jetson Orin Nano", 6, CameraKind.V4l2,
        GpioPins.None, null, false);

    /// <summary>Any other machine: all its cores, a USB camera, no GPIO.</summary>
    public static BoardProfile Generic { get; } = new(BoardKind.Generic, "Generic " + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        Environment.ProcessorCount, CameraKind.V4l2, GpioPins.None, null, false);

    /// <summary>The built-in profile of <paramref name="kind"/>.</summary>
    public static BoardProfile For(BoardKind kind) => kind switch
    {
        BoardKind.RaspberryPi4 => RaspberryPi4,
        BoardKind.RaspberryPi5 => RaspberryPi5,
        BoardKind.JetsonOrinNano => JetsonOrinNano,
        _ => Generic,
    };
}
