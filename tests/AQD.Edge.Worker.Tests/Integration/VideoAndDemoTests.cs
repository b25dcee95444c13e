using AQD.Edge.Hardware.Boards;
using AQD.Edge.Messaging;
using AQD.Edge.Messaging.Tests.Infrastructure;
using AQD.Edge.Worker.Pipeline;
using AQD.Edge.Worker.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace AQD.Edge.Worker.Tests.Integration;

/// <summary>The real model through the product path: the bundled street clip decoded by the
/// ffmpeg source, and the README's demo command.</summary>
[Collection(ProcessCollection.Name)]
public sealed class VideoAndDemoTests : IDisposable
{
    private readonly string _queue = TestPaths.NewTempDir("vidq");

    public void Dispose()
    {
        try { Directory.Delete(_queue, true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_ffmpeg_source_feeds_every_frame_of_the_real_clip_to_the_detector()
    {
        var settings = TestSettings.Create(_queue, null, 0, s =>
        {
            s.Camera.Kind = CameraKind.Ffmpeg;
            s.Camera.Input = TestPaths.Clip;
            s.Camera.Width = 320;
            s.Camera.Height = 240;
            s.Pipeline.CaptureQueue = 32; // a file: keep every frame
            s.Detector.Threads = 1;
        });
        Assert.Empty(settings.Validate());
        await using var runtime = await WorkerRuntime.StartAsync(settings, NullLoggerFactory.Instance, TimeProvider.System, ct: TestContext.Current.CancellationToken);
        var events = new List<ObjectEvent>();
        runtime.Pipeline.EventQueued += events.Add;
        await runtime.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(25, runtime.Pipeline.Stats.Captured); // 2.5 s at 10 fps (tests/data/README.md)
        Assert.Equal(25, runtime.Pipeline.Stats.Processed);
        Assert.Contains(events, e => e.Type == EventTypes.New && e.After.Label == "person"); // pedestrians
        Assert.All(events, e => Assert.True(e.After.Box[2] <= 320 && e.After.Box[3] <= 240, "box inside the 320x240 frame"));
    }

    [Fact]
    public async Task The_demo_prints_every_published_event_and_exits_0()
    {
        await using var demo = WorkerProcess.Start("demo");
        int code = await demo.WaitForExitAsync(TimeSpan.FromMinutes(3));
        var lines = demo.Output.ToList();
        Assert.True(code == 0, $"exit {code}: {string.Join('\n', demo.Errors)}");
        Assert.Contains(lines, l => l.StartsWith("[event]    new", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[status]   online", StringComparison.Ordinal));
        var summary = lines.Single(l => l.StartsWith("demo: 3 frames", StringComparison.Ordinal));
        int printed = lines.Count(l => l.StartsWith("[event]", StringComparison.Ordinal));
        Assert.Contains($"{printed} events published, {printed} received", summary);
    }
}
