using System.Diagnostics;
using System.Globalization;
using AQD.Edge.Hardware.Frames;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Hardware.Sources;

/// <summary>Settings of <see cref="FfmpegFrameSource"/>.</summary>
public sealed record FfmpegOptions
{
    /// <summary>File path or URL (rtsp://, http://, ...).</summary>
    public required string Input { get; init; }
    /// <summary>Output width (ffmpeg scales to it).</summary>
    public required int Width { get; init; }
    /// <summary>Output height.</summary>
    public required int Height { get; init; }
    /// <summary>ffmpeg executable.</summary>
    public string Executable { get; init; } = "ffmpeg";
    /// <summary>Output frame rate (-r); null keeps the input's.</summary>
    public int? Fps { get; init; }
    /// <summary>Read a file at its native speed (-re), like a camera.</summary>
    public bool Realtime { get; init; }
    /// <summary>Loop a file forever (-stream_loop -1).</summary>
    public bool Loop { get; init; }
    /// <summary>RTSP transport (tcp is robust across NAT and Wi-Fi); null: ffmpeg's default.</summary>
    public string? RtspTransport { get; init; } = "tcp";
    /// <summary>Restart ffmpeg when its output ends; null: yes for URLs, no for files.</summary>
    public bool? RestartOnExit { get; init; }
    /// <summary>Frames preallocated in the pool.</summary>
    public int PoolFrames { get; init; } = 4;
    /// <summary>Reconnect backoff; null: <see cref="ReconnectPolicy.Default"/>.</summary>
    public ReconnectPolicy? Reconnect { get; init; }

    /// <summary>True for inputs with a URL scheme (network streams).</summary>
    public bool IsStream => Input.Contains("://", StringComparison.Ordinal);
}

/// <summary>
/// Video files and RTSP/HTTP streams through an ffmpeg child process:
/// <c>ffmpeg -i &lt;input&gt; -an -f rawvideo -pix_fmt rgb24 -s WxH -</c>; each frame is exactly
/// 3*W*H bytes of stdout, read straight into a pooled frame (no per-frame managed allocation).
/// </summary>
public sealed class FfmpegFrameSource : ProcessFrameSource
{
    private readonly FfmpegOptions _options;

    /// <summary>Creates the source; ffmpeg starts at the first read.</summary>
    public FfmpegFrameSource(FfmpegOptions options, TimeProvider? timeProvider = null, ILogger<FfmpegFrameSource>? logger = null, FramePool? pool = null)
        : base(pool ?? FramePool.For(options.PoolFrames, options.Width, options.Height), options.Reconnect, timeProvider, logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Height, 1);
        _options = options;
        RestartOnExit = options.RestartOnExit ?? options.IsStream;
        Name = $"ffmpeg {options.Input}";
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The ffmpeg arguments (for logs and tests).</summary>
    public IReadOnlyList<string> Arguments()
    {
        var a = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error" };
        if (_options.IsStream && _options.RtspTransport is { } t && _options.Input.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
            a.AddRange(["-rtsp_transport", t]);
        if (_options.Realtime) a.Add("-re");
        if (_options.Loop && !_options.IsStream) a.AddRange(["-stream_loop", "-1"]);
        a.AddRange(["-i", _options.Input, "-an", "-sn"]);
        if (_options.Fps is int fps) a.AddRange(["-r", fps.ToString(CultureInfo.InvariantCulture)]);
        a.AddRange(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{_options.Width}x{_options.Height}", "-"]);
        return a;
    }

    /// <inheritdoc />
    protected override ProcessStartInfo CreateStartInfo()
    {
        var psi = new ProcessStartInfo(_options.Executable);
        foreach (var arg in Arguments()) psi.ArgumentList.Add(arg);
        return psi;
    }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    protected override async ValueTask<Frame?> ReadFromAsync(Stream stdout, CancellationToken cancellationToken)
    {
        var frame = Pool.RentRgb24(_options.Width, _options.Height);
        bool ok = false;
        try
        {
            ok = await ReadExactlyAsync(stdout, frame.WritableMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!ok) frame.Dispose();
        }
        return ok ? frame : null;
    }
}
