using System.ComponentModel.DataAnnotations;
using AQD.Edge.Hardware.Boards;

namespace AQD.Edge.Worker.Configuration;

/// <summary>Section "Camera": which frame source feeds the pipeline.</summary>
public sealed class CameraSettings
{
    public const string SectionName = "Camera";

    /// <summary>Camera name in topics and events (one topic level: A-Z a-z 0-9 _ -).</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,64}$", ErrorMessage = "Camera:Name: 1-64 of A-Z a-z 0-9 _ -")]
    public string Name { get; set; } = "camera";

    /// <summary>Source kind; null = the board's default camera.</summary>
    public CameraKind? Kind { get; set; }

    /// <summary>ImageFolder: the folder; Ffmpeg: the file or URL (rtsp://...).</summary>
    public string? Input { get; set; }

    /// <summary>Frame width (ffmpeg scales to it; cameras capture at it).</summary>
    [Range(64, 8192)]
    public int Width { get; set; } = 640;

    [Range(64, 8192)]
    public int Height { get; set; } = 480;

    /// <summary>Frames per second asked of cameras (rpicam-vid) and of ffmpeg (null keeps the input's rate).</summary>
    [Range(1, 240)]
    public int? Fps { get; set; }

    /// <summary>Start a file or folder again at its end.</summary>
    public bool Loop { get; set; }

    /// <summary>Read a video file at its own speed, like a camera (ffmpeg -re).</summary>
    public bool Realtime { get; set; }

    /// <summary>V4L2: /dev/video{Device}.</summary>
    [Range(0, 255)]
    public int Device { get; set; }

    /// <summary>Delay before re-opening a lost stream (doubling up to <see cref="ReconnectMaxDelay"/>).</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    internal IEnumerable<string> CrossFieldFailures()
    {
        if (Kind is CameraKind.ImageFolder or CameraKind.Ffmpeg && string.IsNullOrWhiteSpace(Input))
            yield return $"Camera:Input is required for Camera:Kind {Kind} (a {(Kind == CameraKind.ImageFolder ? "folder" : "video file or URL")}).";
        if (Kind == CameraKind.ImageFolder && !string.IsNullOrWhiteSpace(Input) && !Directory.Exists(SettingsPaths.Resolve(Input)))
            yield return $"Camera:Input folder '{Input}' does not exist.";
        if (Kind == CameraKind.Ffmpeg && Input is { Length: > 0 } f && !f.Contains("://", StringComparison.Ordinal) && !File.Exists(SettingsPaths.Resolve(f)))
            yield return $"Camera:Input video file '{f}' does not exist.";
        if (ReconnectMinDelay < TimeSpan.FromMilliseconds(10) || ReconnectMinDelay > TimeSpan.FromHours(1))
            yield return $"Camera:ReconnectMinDelay = {ReconnectMinDelay} is outside [00:00:00.010, 01:00:00].";
        if (ReconnectMaxDelay < ReconnectMinDelay || ReconnectMaxDelay > TimeSpan.FromHours(1))
            yield return $"Camera:ReconnectMaxDelay = {ReconnectMaxDelay} must be within [ReconnectMinDelay, 01:00:00].";
    }
}
