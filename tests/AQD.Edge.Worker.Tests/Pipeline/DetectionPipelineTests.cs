using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Gpio;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Messaging;
using AQD.Edge.Messaging.Tests.Infrastructure;
using AQD.Edge.Worker.Configuration;
using AQD.Edge.Worker.Pipeline;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Pipeline;

/// <summary>The whole pipeline in-process (deterministic detector, embedded MQTT broker): it
/// survives detector failures and camera loss (re-opened with backoff, no restart), and turns the
/// moving box into one object's events.</summary>
public sealed class DetectionPipelineTests : IDisposable
{
    private readonly string _queue = TestPaths.NewTempDir("pipeq");

    public void Dispose()
    {
        try { Directory.Delete(_queue, true); } catch (IOException) { }
    }

    private async Task<(DetectionPipeline Pipeline, MqttPublisher Mqtt)> StartAsync(WorkerSettings settings, IFrameDetector detector, Func<IFrameSource> sources, IDeviceGpio? gpio = null)
    {
        var mqtt = new MqttPublisher(settings.Mqtt, new TestLogger("mqtt"), TimeProvider.System);
        var pipeline = new DetectionPipeline(settings, detector, null, mqtt, sources, gpio ?? NullDeviceGpio.Instance, null, TimeProvider.System, new TestLogger("pipeline"));
        await mqtt.StartAsync(TestContext.Current.CancellationToken);
        await Wait.UntilAsync(() => mqtt.IsOnline, Wait.Long, "publisher online (embedded broker)");
        return (pipeline, mqtt);
    }

    private static TestPatternFrameSource Finite(int frames) =>
        new(new TestPatternOptions { Width = 160, Height = 120, Boxes = 1, FrameCount = frames }, pool: FramePool.For(16, 160, 120));

    [Fact]
    public async Task A_detector_failure_costs_one_frame_and_the_pipeline_goes_on()
    {
        var settings = TestSettings.Create(_queue, null, 0, s => s.Pipeline.CaptureQueue = 64);
        var detector = new ColorBoxDetector { FailEvery = 3 };
        var (pipeline, mqtt) = await StartAsync(settings, detector, () => Finite(30));
        await using (mqtt)
        {
            int events = 0;
            pipeline.EventQueued += _ => events++;
            await pipeline.RunAsync(TestContext.Current.CancellationToken);

            Assert.Equal(30, pipeline.Stats.Captured);
            Assert.Equal(10, pipeline.Stats.DetectErrors);
            Assert.Equal(20, pipeline.Stats.Processed);
            Assert.True(events >= 2, $"events: {events}"); // new ... end of the one box
            Assert.True(await mqtt.WaitForQueueEmptyAsync(Wait.Long, TestContext.Current.CancellationToken));
            Assert.Equal(events, mqtt.DeliveredEvents);
        }
    }

    [Fact]
    public async Task A_lost_camera_is_reopened_with_backoff_without_a_restart()
    {
        var settings = TestSettings.Create(_queue, null, 0, s => s.Pipeline.CaptureQueue = 64);
        int opened = 0;
        IFrameSource Next() => ++opened switch
        {
            1 => new FlakySource(goodFrames: 5),
            2 => throw new IOException("no such device (test)"),
            _ => Finite(10),
        };
        var gpio = new RecordingGpio();
        var (pipeline, mqtt) = await StartAsync(settings, new ColorBoxDetector(), Next, gpio);
        await using (mqtt)
        {
            var types = new List<string>();
            pipeline.EventQueued += e => types.Add(e.Type);
            await pipeline.RunAsync(TestContext.Current.CancellationToken);

            Assert.Equal(3, opened);
            Assert.Equal(2, pipeline.Stats.SourceRestarts);
            Assert.Equal(15, pipeline.Stats.Processed);
            // The box continues across the re-open (test pattern restarts at frame 0: a jump, so possibly a new object),
            // and every object ends when the input ends.
            Assert.Equal(types.Count(t => t == EventTypes.New), types.Count(t => t == EventTypes.End));
            Assert.Equal(EventTypes.New, types[0]);
            // Status LED: heartbeat, error blink while the camera is away, heartbeat again, off at the end;
            // the detection pin follows the "person" box.
            Assert.Equal([LedStatus.Heartbeat, LedStatus.Error, LedStatus.Heartbeat, LedStatus.Off], gpio.StatusChanges);
            Assert.True(gpio.DetectionChanges[0]);
            Assert.False(gpio.DetectionChanges[^1]);
        }
    }

    [Fact]
    public async Task Stopping_drains_the_queues_and_ends_open_objects()
    {
        var settings = TestSettings.Create(_queue, null, 0);
        var paced = new TestPatternFrameSource(new TestPatternOptions { Width = 160, Height = 120, Boxes = 1, FrameInterval = TimeSpan.FromMilliseconds(5) }, pool: FramePool.For(16, 160, 120));
        var (pipeline, mqtt) = await StartAsync(settings, new ColorBoxDetector(), () => paced);
        await using (mqtt)
        {
            var types = new List<string>();
            pipeline.EventQueued += e => { lock (types) types.Add(e.Type); };
            using var stop = new CancellationTokenSource();
            var run = pipeline.RunAsync(stop.Token);
            await Wait.UntilAsync(() => pipeline.Stats.Processed >= 20, Wait.Long, "20 frames processed");
            stop.Cancel();
            await run;
            Assert.Equal(0, pipeline.Stages.QueueDepth);
            Assert.Equal(EventTypes.End, types[^1]);
            Assert.Single(types, t => t == EventTypes.New);
            var stats = pipeline.BuildStats();
            Assert.True(stats.InferenceMs.P50 >= 0 && stats.ProcessFps > 0, $"process fps {stats.ProcessFps}");
        }
    }
}
