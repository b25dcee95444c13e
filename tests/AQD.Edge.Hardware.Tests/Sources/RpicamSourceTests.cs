using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Hardware.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace AQD.Edge.Hardware.Tests.Sources;

public class RpicamSourceTests
{
    /// <summary>
    /// Writes a fake rpicam-vid: each run records its arguments, then (for the first
    /// <paramref name="goodRuns"/> runs) cats the payload files to stdout and exits 0; later runs
    /// print an error to stderr and exit 1 without output (camera gone).
    /// </summary>
    private static string FakeRpicam(string dir, int goodRuns, params string[] payloadFiles)
    {
        string script = Path.Combine(dir, "rpicam-vid");
        string cats = string.Join(' ', payloadFiles.Select(f => $"\"{f}\""));
        File.WriteAllText(script, $$"""
            #!/bin/sh
            # Fake rpicam-vid for tests: stdout gets the payload, then the "camera" exits.
            d="{{dir}}"
            n=$(cat "$d/runs" 2>/dev/null || echo 0)
            echo $((n + 1)) > "$d/runs"
            echo "$@" > "$d/args"
            if [ "$n" -ge {{goodRuns}} ]; then echo "ERROR: *** no cameras available ***" >&2; exit 1; fi
            cat {{cats}}
            exit 0
            """.Replace("\r", ""));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    [Fact]
    public async Task Mjpeg_stream_is_split_decoded_and_reconnected_with_backoff()
    {
        string dir = TestPaths.NewTempDir("rpicam");
        var jpegs = Enumerable.Range(0, 4).Select(i => TestJpegs.Pattern(i * 5, 96, 64)).ToArray();
        // Payload: 2 JPEGs, a corrupt one, garbage, 2 more JPEGs.
        string payload = Path.Combine(dir, "stream.mjpeg");
        File.WriteAllBytes(payload, [.. jpegs[0], .. jpegs[1], 0xFF, 0xD8, 0x00, 0x11, 1, 2, 3, .. jpegs[2], .. jpegs[3]]);
        string exe = FakeRpicam(dir, goodRuns: 2, payload);

        var clock = new FakeTimeProvider();
        var logger = new ListLogger<RpicamFrameSource>();
        using var src = new RpicamFrameSource(new RpicamOptions
        {
            Executable = exe, Width = 96, Height = 64, Framerate = 10,
            Reconnect = new ReconnectPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), MaxAttempts: 3),
        }, clock, logger);
        var start = clock.GetUtcNow();
        var frames = await FakeClock.RunAsync(clock, async () =>
        {
            var list = new List<(long Seq, byte[] Data)>();
            await foreach (var f in src.ReadAllAsync()) { list.Add((f.Sequence, f.Data.ToArray())); f.Dispose(); }
            return list;
        }, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));

        // Two good runs of 4 frames each; sequence numbers continue across the reconnect.
        Assert.Equal(8, frames.Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), frames.Select(f => f.Seq));
        for (int i = 0; i < 8; i++)
        {
            var expected = new byte[3 * 96 * 64];
            TestPatternFrameSource.Render((i % 4) * 5, 3, 96, 64, expected);
            double diff = TestJpegs.MeanAbsDiff(expected, frames[i].Data);
            Assert.True(diff < 6, $"frame {i} does not match its JPEG (mean abs diff {diff:F2})");
        }
        // Run 1 ends -> 1 s -> run 2 (frames reset the backoff) ends -> 1 s -> run 3 fails -> 2 s ->
        // run 4 fails -> 4 s -> run 5 fails -> 3 consecutive attempts used: give up.
        Assert.Equal(4, src.Stats.Reconnects);
        Assert.Equal("5", File.ReadAllText(Path.Combine(dir, "runs")).Trim());
        Assert.True(clock.GetUtcNow() - start >= TimeSpan.FromSeconds(1 + 1 + 2 + 4));
        Assert.Equal(2, src.Stats.Skipped);   // the corrupt JPEG, once per good run
        Assert.Contains("--codec mjpeg --width 96 --height 64 --framerate 10 -o -", File.ReadAllText(Path.Combine(dir, "args")), StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.Message.Contains("no cameras available", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Message.Contains("giving up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reconnect_waits_for_the_clock()
    {
        string dir = TestPaths.NewTempDir("rpicam-wait");
        string payload = Path.Combine(dir, "one.jpg");
        File.WriteAllBytes(payload, TestJpegs.Pattern(1, 96, 64));
        string exe = FakeRpicam(dir, goodRuns: 10, payload);
        var clock = new FakeTimeProvider();
        using var src = new RpicamFrameSource(new RpicamOptions { Executable = exe, Width = 96, Height = 64 }, clock);
        var ct = TestContext.Current.CancellationToken;
        using (var first = await src.ReadFrameAsync(ct)) Assert.NotNull(first);
        var second = src.ReadFrameAsync(ct).AsTask();
        await Task.Delay(400, ct);
        Assert.False(second.IsCompleted);           // stream ended; the 1 s backoff has not elapsed
        // Advance until the delay fires (the source may not have armed its timer yet on a slow machine).
        for (int i = 0; i < 200 && !second.IsCompleted; i++) { clock.Advance(TimeSpan.FromSeconds(1)); await Task.Delay(50, ct); }
        using (var f = await second.WaitAsync(TimeSpan.FromSeconds(10), ct)) Assert.Equal(1, f!.Sequence);
        Assert.Equal(1, src.Stats.Reconnects);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Yuv420_frames_are_converted_with_the_integer_rule(bool convert)
    {
        const int w = 64, h = 32;
        string dir = TestPaths.NewTempDir("rpicam-yuv");
        var rnd = new Random(3);
        var raw = new byte[3][];
        for (int i = 0; i < 3; i++) { raw[i] = new byte[w * h * 3 / 2]; rnd.NextBytes(raw[i]); }
        string payload = Path.Combine(dir, "stream.yuv");
        File.WriteAllBytes(payload, [.. raw[0], .. raw[1], .. raw[2], 1, 2, 3]);   // a torn last frame
        string exe = FakeRpicam(dir, goodRuns: 1, payload);
        using var src = new RpicamFrameSource(new RpicamOptions
        {
            Executable = exe, Width = w, Height = h, Codec = RpicamCodec.Yuv420, ConvertToRgb = convert,
            Reconnect = new ReconnectPolicy(TimeSpan.Zero, TimeSpan.Zero, MaxAttempts: 1),
        });
        int n = 0;
        await foreach (var f in src.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            using (f)
            {
                if (convert)
                {
                    var expected = new byte[3 * w * h];
                    YuvToRgb.I420ToRgb24(raw[n], w, h, expected);
                    Assert.Equal(FramePixelFormat.Rgb24, f.Format);
                    Assert.Equal(expected, f.Data.ToArray());
                }
                else
                {
                    Assert.Equal(FramePixelFormat.I420, f.Format);
                    Assert.Equal(raw[n], f.Data.ToArray());
                }
            }
            n++;
        }
        Assert.Equal(3, n);
        Assert.Contains("--codec yuv420", File.ReadAllText(Path.Combine(dir, "args")), StringComparison.Ordinal);
    }
}
