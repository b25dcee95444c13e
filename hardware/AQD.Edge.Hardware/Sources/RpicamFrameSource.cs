using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using AQD.Edge.Hardware.Diagnostics;
using AQD.Edge.Hardware.Frames;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Hardware.Sources;

/// <summary>What rpicam-vid writes to stdout.</summary>
public enum RpicamCodec
{
    /// <summary><c>--codec mjpeg</c>: concatenated JPEGs, split at their markers and decoded.</summary>
    Mjpeg,
    /// <summary><c>--codec yuv420</c>: raw I420, w*h*3/2 bytes a frame, converted with integer math.</summary>
    Yuv420,
}

/// <summary>Settings of <see cref="RpicamFrameSource"/>.</summary>
public sealed record RpicamOptions
{
    /// <summary>Executable: rpicam-vid (current Raspberry Pi OS) or libcamera-vid (older).</summary>
    public string Executable { get; init; } = "rpicam-vid";
    /// <summary>Capture width. For Yuv420 keep it a multiple of 64 (rpicam-vid may pad rows otherwise).</summary>
    public int Width { get; init; } = 640;
    /// <summary>Capture height (even).</summary>
    public int Height { get; init; } = 480;
    /// <summary>Frames per second asked of the camera.</summary>
    public int Framerate { get; init; } = 15;
    /// <summary>Stream format.</summary>
    public RpicamCodec Codec { get; init; } = RpicamCodec.Mjpeg;
    /// <summary>Camera index (--camera), null for the default camera.</summary>
    public int? Camera { get; init; }
    /// <summary>Decode/convert to Rgb24 (true) or hand out the raw Mjpeg / I420 frame (false).</summary>
    public bool ConvertToRgb { get; init; } = true;
    /// <summary>YUV encoding of Yuv420 output (rpicam-vid video: limited-range BT.601 "smpte170m").</summary>
    public YuvRange YuvRange { get; init; } = YuvRange.Limited;
    /// <summary>Extra arguments appended to the command line (e.g. "--rotation", "180").</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
    /// <summary>Frames preallocated in the pool.</summary>
    public int PoolFrames { get; init; } = 4;
    /// <summary>Reconnect backoff; null: <see cref="ReconnectPolicy.Default"/>.</summary>
    public ReconnectPolicy? Reconnect { get; init; }
}

/// <summary>
/// Raspberry Pi CSI cameras through an rpicam-vid child process writing to stdout (<c>-o -</c>).
/// MJPEG: the byte stream is split into JPEGs (<see cref="MjpegStreamReader"/>) and decoded with
/// ImageSharp into pooled frames (a corrupt JPEG is logged and skipped). YUV420: fixed-size reads into
/// one preallocated scratch buffer, integer BT.601 conversion into a pooled Rgb24 frame.
/// The camera never "ends": when rpicam-vid exits it is restarted with backoff.
/// </summary>
public sealed class RpicamFrameSource : ProcessFrameSource
{
    private readonly RpicamOptions _options;
    private readonly byte[]? _i420Scratch;
    private MjpegStreamReader? _mjpeg;

    /// <summary>Creates the source; the process starts at the first read.</summary>
    public RpicamFrameSource(RpicamOptions options, TimeProvider? timeProvider = null, ILogger<RpicamFrameSource>? logger = null, FramePool? pool = null)
        : base(pool ?? FramePool.For(options.PoolFrames, options.Width, options.Height), options.Reconnect, timeProvider, logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Width, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Height, 2);
        _options = options;
        if (options.Codec == RpicamCodec.Yuv420 && options.ConvertToRgb)
            _i420Scratch = new byte[FramePixelFormats.ByteCount(FramePixelFormat.I420, options.Width, options.Height)];
        Name = $"{Path.GetFileName(options.Executable)} {options.Width}x{options.Height} {options.Codec}";
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The command-line arguments (for logs and tests).</summary>
    public IReadOnlyList<string> Arguments()
    {
        var inv = CultureInfo.InvariantCulture;
        var a = new List<string>
        {
            "-t", "0", "-n", "--codec", _options.Codec == RpicamCodec.Mjpeg ? "mjpeg" : "yuv420",
            "--width", _options.Width.ToString(inv), "--height", _options.Height.ToString(inv),
            "--framerate", _options.Framerate.ToString(inv), "-o", "-",
        };
        if (_options.Camera is int cam) a.AddRange(["--camera", cam.ToString(inv)]);
        a.AddRange(_options.ExtraArguments);
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
    protected override void OnProcessStarted() => _mjpeg = null;

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected override async ValueTask<Frame?> ReadFromAsync(Stream stdout, CancellationToken cancellationToken)
    {
        return _options.Codec == RpicamCodec.Mjpeg
            ? await ReadMjpegAsync(stdout, cancellationToken).ConfigureAwait(false)
            : await ReadI420Async(stdout, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Frame?> ReadMjpegAsync(Stream stdout, CancellationToken cancellationToken)
    {
        _mjpeg ??= new MjpegStreamReader(stdout, initialCapacity: Math.Max(1 << 16, _options.Width * _options.Height));
        while (true)
        {
            long corruptBefore = _mjpeg.Corrupt + _mjpeg.Oversized;
            if (!await _mjpeg.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            long corrupt = _mjpeg.Corrupt + _mjpeg.Oversized - corruptBefore;
            if (corrupt > 0)
            {
                Stats.AddSkipped(corrupt);
                Log.FrameSkipped(Logger, Name, "corrupt JPEG in the stream");
            }
            var frame = MjpegFrames.ToFrame(_mjpeg.Current.Span, _options.ConvertToRgb, Pool, out string? error);
            if (frame is not null) return frame;
            Stats.AddSkipped();
            Log.FrameSkipped(Logger, Name, error ?? "undecodable JPEG");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Frame?> ReadI420Async(Stream stdout, CancellationToken cancellationToken)
    {
        int w = _options.Width, h = _options.Height;
        int bytes = (int)FramePixelFormats.ByteCount(FramePixelFormat.I420, w, h);
        if (_i420Scratch is null)
        {
            var raw = Pool.Rent(w, h, FramePixelFormat.I420, bytes);
            bool ok = false;
            try { ok = await ReadExactlyAsync(stdout, raw.WritableMemory, cancellationToken).ConfigureAwait(false); }
            finally { if (!ok) raw.Dispose(); }
            return ok ? raw : null;
        }
        if (!await ReadExactlyAsync(stdout, _i420Scratch, cancellationToken).ConfigureAwait(false)) return null;
        var frame = Pool.RentRgb24(w, h);
        YuvToRgb.I420ToRgb24(_i420Scratch, w, h, frame.WritableData, _options.YuvRange);
        return frame;
    }
}
