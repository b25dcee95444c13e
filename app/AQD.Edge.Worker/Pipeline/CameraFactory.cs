using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Worker.Configuration;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Worker.Pipeline;

/// <summary>Makes the configured frame source (the board's default camera when none is named),
/// with a frame pool large enough for the bounded pipeline.</summary>
public sealed class CameraFactory(CameraSettings camera, BoardProfile board, int poolFrames, TimeProvider time, ILoggerFactory loggers)
{
    public CameraKind Kind => camera.Kind ?? board.DefaultCamera;

    /// <summary>Inputs that end (a file or a folder without Loop): the pipeline finishes at their end.</summary>
    public bool IsFinite => Kind switch
    {
        CameraKind.ImageFolder => !camera.Loop,
        CameraKind.Ffmpeg => !camera.Loop && !(camera.Input ?? "").Contains("://", StringComparison.Ordinal),
        _ => false,
    };

    public IFrameSource Create()
    {
        var reconnect = new ReconnectPolicy(camera.ReconnectMinDelay, camera.ReconnectMaxDelay);
        int w = camera.Width, h = camera.Height;
        return Kind switch
        {
            CameraKind.TestPattern => new TestPatternFrameSource(
                new TestPatternOptions { Width = w, Height = h, FrameInterval = camera.Fps is int f ? TimeSpan.FromSeconds(1.0 / f) : null },
                time, loggers.CreateLogger<TestPatternFrameSource>(), FramePool.For(poolFrames, w, h)),
            CameraKind.ImageFolder => new ImageFolderFrameSource(
                new ImageFolderOptions { Folder = SettingsPaths.Resolve(camera.Input!), Loop = camera.Loop, FrameInterval = camera.Fps is int f2 ? TimeSpan.FromSeconds(1.0 / f2) : null },
                time, loggers.CreateLogger<ImageFolderFrameSource>(), new FramePool(poolFrames, 3 * w * h)),
            CameraKind.Ffmpeg => new FfmpegFrameSource(
                new FfmpegOptions
                {
                    Input = camera.Input!.Contains("://", StringComparison.Ordinal) ? camera.Input : SettingsPaths.Resolve(camera.Input),
                    Width = w, Height = h, Fps = camera.Fps, Loop = camera.Loop, Realtime = camera.Realtime, Reconnect = reconnect,
                },
                time, loggers.CreateLogger<FfmpegFrameSource>(), FramePool.For(poolFrames, w, h)),
            CameraKind.Rpicam => new RpicamFrameSource(
                new RpicamOptions { Width = w, Height = h, Framerate = camera.Fps ?? 15, Reconnect = reconnect },
                time, loggers.CreateLogger<RpicamFrameSource>(), FramePool.For(poolFrames, w, h)),
            CameraKind.V4l2 => new V4l2FrameSource(
                new V4l2Options { Device = camera.Device, Width = w, Height = h, Reconnect = reconnect },
                time, loggers.CreateLogger<V4l2FrameSource>(), FramePool.For(poolFrames, w, h)),
            _ => throw new InvalidOperationException($"Unknown camera kind {Kind}."),
        };
    }
}
