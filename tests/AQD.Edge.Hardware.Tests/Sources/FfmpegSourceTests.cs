using AQD.Edge.Hardware.Sources;
using AQD.Edge.Hardware.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace AQD.Edge.Hardware.Tests.Sources;

public class FfmpegSourceTests
{
    [Fact]
    public async Task Decodes_the_bundled_clip()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        using var src = new FfmpegFrameSource(new FfmpegOptions { Input = TestPaths.Clip, Width = 320, Height = 240 }, clock);
        Assert.False(src.RestartOnExit);
        var firstFrames = new List<byte[]>();
        long count = 0;
        await foreach (var frame in src.ReadAllAsync(ct))
        {
            using (frame)
            {
                Assert.Equal(count, frame.Sequence);
                Assert.Equal((320, 240), (frame.Width, frame.Height));
                Assert.Equal(3 * 320 * 240, frame.Data.Length);
                Assert.Equal(clock.GetUtcNow(), frame.Timestamp);
                if (count % 12 == 0) firstFrames.Add(frame.Data.ToArray());
            }
            count++;
        }
        Assert.Equal(25, count);   // 2.5 s at 10 fps
        Assert.Equal(0, src.Stats.Reconnects);
        // Real picture content: a spread of values, and the street scene changes over time.
        var histogram = new int[256];
        foreach (var v in firstFrames[0]) histogram[v]++;
        Assert.True(histogram.Count(c => c > 0) > 150, "frame looks flat");
        Assert.True(TestJpegs.MeanAbsDiff(firstFrames[0], firstFrames[^1]) > 0.5, "frames do not change");
    }

    [Fact]
    public async Task Scales_and_limits_the_frame_rate()
    {
        using var src = new FfmpegFrameSource(new FfmpegOptions { Input = TestPaths.Clip, Width = 96, Height = 64, Fps = 4 });
        int n = 0;
        await foreach (var f in src.ReadAllAsync(TestContext.Current.CancellationToken)) { Assert.Equal(3 * 96 * 64, f.Data.Length); f.Dispose(); n++; }
        Assert.InRange(n, 9, 13);   // 2.5 s at 4 fps (ffmpeg rounds at the ends); 25 frames without -r
    }

    [Fact]
    public void Command_line_for_rtsp_uses_tcp_and_restarts()
    {
        using var src = new FfmpegFrameSource(new FfmpegOptions { Input = "rtsp://cam.local/stream1", Width = 640, Height = 480 });
        Assert.True(src.RestartOnExit);
        var args = string.Join(' ', src.Arguments());
        Assert.Contains("-rtsp_transport tcp -i rtsp://cam.local/stream1", args, StringComparison.Ordinal);
        Assert.EndsWith("-f rawvideo -pix_fmt rgb24 -s 640x480 -", args, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_executable_is_retried_with_backoff_then_given_up_without_throwing()
    {
        var clock = new FakeTimeProvider();
        var logger = new ListLogger<FfmpegFrameSource>();
        using var src = new FfmpegFrameSource(new FfmpegOptions
        {
            Input = "rtsp://nowhere/x", Width = 32, Height = 32, Executable = "/nonexistent/ffmpeg",
            Reconnect = new ReconnectPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), MaxAttempts: 3),
        }, clock, logger);
        var start = clock.GetUtcNow();
        var frame = await FakeClock.RunAsync(clock, async () => await src.ReadFrameAsync(), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));
        Assert.Null(frame);
        Assert.Equal(3, src.Stats.Reconnects);
        Assert.True(clock.GetUtcNow() - start >= TimeSpan.FromSeconds(1 + 2 + 4));
        Assert.Contains(logger.Entries, e => e.Message.Contains("giving up", StringComparison.Ordinal));
    }
}
