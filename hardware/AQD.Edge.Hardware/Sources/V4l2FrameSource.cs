using System.Buffers;
using System.Threading.Channels;
using AQD.Edge.Hardware.Diagnostics;
using AQD.Edge.Hardware.Frames;
using Iot.Device.Media;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Hardware.Sources;

/// <summary>Pixel format asked of a V4L2 webcam.</summary>
public enum V4l2Format
{
    /// <summary>Compressed MJPEG (high resolutions at full frame rate over USB 2).</summary>
    Mjpeg,
    /// <summary>Packed YUYV 4:2:2.</summary>
    Yuyv,
}

/// <summary>Settings of <see cref="V4l2FrameSource"/>.</summary>
public sealed record V4l2Options
{
    /// <summary>/dev/video{Device}.</summary>
    public int Device { get; init; }
    /// <summary>Capture width.</summary>
    public int Width { get; init; } = 640;
    /// <summary>Capture height.</summary>
    public int Height { get; init; } = 480;
    /// <summary>Pixel format.</summary>
    public V4l2Format Format { get; init; } = V4l2Format.Mjpeg;
    /// <summary>YUV encoding of YUYV (UVC: limited-range BT.601).</summary>
    public YuvRange YuvRange { get; init; } = YuvRange.Limited;
    /// <summary>Frames waiting for the reader; when full the oldest is dropped (counted as skipped).</summary>
    public int QueueFrames { get; init; } = 2;
    /// <summary>Reconnect backoff; null: <see cref="ReconnectPolicy.Default"/>.</summary>
    public ReconnectPolicy? Reconnect { get; init; }
}

/// <summary>
/// USB (UVC) webcams through V4L2 with Iot.Device.Media.VideoDevice. A capture thread converts each
/// device buffer (MJPEG: <see cref="MjpegFrames"/>; YUYV: <see cref="YuvToRgb.YuyvToRgb24"/>) into a
/// pooled Rgb24 frame and queues it; the newest frames win when the reader is slow. A device that
/// cannot be opened or stops capturing is re-opened with backoff.
/// Kept thin on purpose: it cannot be tested without a device; the conversions it uses are shared
/// with the other sources and tested there (<see cref="Convert"/>).
/// </summary>
public sealed class V4l2FrameSource : FrameSourceBase
{
    private readonly V4l2Options _options;
    private readonly StreamReconnector _reconnector;
    private Channel<Frame>? _queue;
    private VideoDevice? _device;
    private CancellationTokenSource? _captureCts;
    private Task? _capture;

    /// <summary>Creates the source; the device opens at the first read.</summary>
    public V4l2FrameSource(V4l2Options options, TimeProvider? timeProvider = null, ILogger<V4l2FrameSource>? logger = null, FramePool? pool = null)
        : base(pool ?? FramePool.For(options.QueueFrames + 3, options.Width, options.Height), timeProvider, logger)
    {
        _options = options;
        Name = $"v4l2 /dev/video{options.Device} {options.Width}x{options.Height} {options.Format}";
        _reconnector = new StreamReconnector(options.Reconnect, TimeProvider, Logger, Name, Stats);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>One device buffer to a pooled Rgb24 frame (null with <paramref name="error"/> for a bad buffer).</summary>
    public static Frame? Convert(ReadOnlySpan<byte> buffer, V4l2Format format, int width, int height, YuvRange range, FramePool pool, out string? error)
    {
        if (format == V4l2Format.Mjpeg) return MjpegFrames.ToFrame(buffer, decode: true, pool, out error);
        long need = FramePixelFormats.ByteCount(FramePixelFormat.Yuyv, width, height);
        if (buffer.Length < need)
        {
            error = $"short YUYV buffer ({buffer.Length} of {need} bytes)";
            return null;
        }
        error = null;
        var frame = pool.RentRgb24(width, height);
        YuvToRgb.YuyvToRgb24(buffer, width, height, frame.WritableData, range);
        return frame;
    }

    /// <inheritdoc />
    protected override async ValueTask<Frame?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_queue is null && !TryOpen(out string? why))
            {
                if (!await _reconnector.WaitAsync("not opened", why, cancellationToken).ConfigureAwait(false)) return null;
                continue;
            }
            try
            {
                var frame = await _queue!.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                _reconnector.OnFrame();
                return Deliver(frame);
            }
            catch (ChannelClosedException ex)
            {
                string? reason = ex.InnerException?.Message;
                Close();
                if (!await _reconnector.WaitAsync("capture stopped", reason, cancellationToken).ConfigureAwait(false)) return null;
            }
        }
    }

    private bool TryOpen(out string? why)
    {
        why = null;
        var pixelFormat = _options.Format == V4l2Format.Mjpeg ? VideoPixelFormat.MJPEG : VideoPixelFormat.YUYV;
        try
        {
            var settings = new VideoConnectionSettings(_options.Device, ((uint)_options.Width, (uint)_options.Height), pixelFormat);
            var device = VideoDevice.Create(settings);
            device.ImageBufferPoolingEnabled = true;
            var queue = Channel.CreateBounded<Frame>(
                new BoundedChannelOptions(Math.Max(1, _options.QueueFrames)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                dropped => { dropped.Dispose(); Stats.AddSkipped(); });
            device.NewImageBufferReady += (_, e) => OnBuffer(queue, e);
            var cts = new CancellationTokenSource();
            _device = device;
            _queue = queue;
            _captureCts = cts;
            _capture = Task.Factory.StartNew(() =>
            {
                try
                {
                    device.StartCaptureContinuous();
                    device.CaptureContinuous(cts.Token);
                    queue.Writer.TryComplete();
                }
                catch (Exception ex)
                {
                    queue.Writer.TryComplete(ex);
                }
                finally
                {
                    try { device.StopCaptureContinuous(); } catch (Exception) { /* device gone */ }
                }
            }, cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or NotSupportedException or PlatformNotSupportedException)
        {
            why = ex.Message;
            Close();
            return false;
        }
    }

    private void OnBuffer(Channel<Frame> queue, NewImageBufferReadyEventArgs e)
    {
        try
        {
            var frame = Convert(e.ImageBuffer.AsSpan(0, e.Length), _options.Format, _options.Width, _options.Height, _options.YuvRange, Pool, out string? error);
            if (frame is null)
            {
                Stats.AddSkipped();
                Log.FrameSkipped(Logger, Name, error ?? "bad buffer");
            }
            else if (!queue.Writer.TryWrite(frame))
            {
                frame.Dispose();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(e.ImageBuffer);
        }
    }

    private void Close()
    {
        _captureCts?.Cancel();
        try { _capture?.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { /* logged by the reader */ }
        _device?.Dispose();
        _captureCts?.Dispose();
        if (_queue is not null)
            while (_queue.Reader.TryRead(out var stale)) stale.Dispose();
        _device = null;
        _captureCts = null;
        _capture = null;
        _queue = null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) Close();
        base.Dispose(disposing);
    }
}
