using AQD.Edge.Detection;
using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Worker.Inference;
using AQD.Edge.Worker.Pipeline;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Pipeline;

/// <summary>The capture → detect steps the pipeline loops are made of: allocation-free in steady
/// state, drop-oldest under overload, detections of the right frame.</summary>
public sealed class FrameStagesTests
{
    private const int W = 160, H = 120;

    private static TestPatternFrameSource Pattern(FramePool pool, long? count = null) =>
        new(new TestPatternOptions { Width = W, Height = H, Boxes = 1, FrameCount = count }, pool: pool);

    /// <summary>One frame through capture → detect → release on the calling thread (the test
    /// pattern completes synchronously); returns the result's first box.</summary>
    private static ObjectDetection Step(FrameStages stages, IFrameSource source)
    {
        var captured = stages.CaptureOneAsync(source, CancellationToken.None);
        if (!captured.IsCompletedSuccessfully || !captured.Result) throw new InvalidOperationException("capture did not complete synchronously");
        if (!stages.DetectOne()) throw new InvalidOperationException("no frame to detect");
        if (!stages.Results.TryRead(out var result)) throw new InvalidOperationException("no result");
        var first = result.Count > 0 ? result.Objects[0] : default;
        stages.Release(result);
        return first;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Capture_to_detection_allocates_nothing_per_frame_in_steady_state(bool keepFrames)
    {
        var stats = new PipelineStats(TimeProvider.System);
        var stages = new FrameStages(new ColorBoxDetector(), stats, captureQueue: 2, resultQueue: 4, keepFrames);
        var pool = FramePool.For(FrameStages.PoolFramesFor(2, 4, keepFrames), W, H);
        using var source = Pattern(pool);
        for (int i = 0; i < 50; i++) Step(stages, source); // warm-up: JIT, first-use paths

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++) Step(stages, source);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        TestContext.Current.TestOutputHelper?.WriteLine($"500 frames capture->detect->release: {allocated} bytes allocated");
        Assert.Equal(0, allocated);
        Assert.Equal(0, pool.Grown);
        Assert.Equal(0, stages.ResultPoolGrown);
        Assert.Equal(550, stats.Processed);
    }

    [Fact]
    public void With_the_bundled_model_capture_to_inference_allocates_nothing_per_frame()
    {
        using var detector = new ModelFrameDetector(TestPaths.Model, new DetectorOptions { Threads = 1 });
        var stats = new PipelineStats(TimeProvider.System);
        var stages = new FrameStages(detector, stats, captureQueue: 2, resultQueue: 4, keepFramesWithObjects: true);
        var pool = FramePool.For(FrameStages.PoolFramesFor(2, 4, true), 320, 240);
        using var source = new TestPatternFrameSource(new TestPatternOptions { Width = 320, Height = 240, Boxes = 3 }, pool: pool);
        for (int i = 0; i < 2; i++) Step(stages, source); // first frame of this size sizes the detector's buffers

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Step(stages, source);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        TestContext.Current.TestOutputHelper?.WriteLine($"3 frames through {detector.Name}: {allocated} bytes allocated");
        Assert.Equal(0, allocated);
        Assert.Equal(0, pool.Grown);
    }

    [Fact]
    public void Each_result_has_the_box_of_its_own_frame()
    {
        var stats = new PipelineStats(TimeProvider.System);
        var stages = new FrameStages(new ColorBoxDetector(), stats, 2, 4, keepFramesWithObjects: false);
        using var source = Pattern(FramePool.For(8, W, H));
        for (long seq = 0; seq < 40; seq++)
        {
            var box = TestPatternFrameSource.BoxAt(seq, 0, W, H);
            Assert.Equal(new ObjectDetection(0, "person", 900, box.X, box.Y, box.X + box.Width, box.Y + box.Height), Step(stages, source));
        }
    }

    [Fact]
    public async Task Overload_drops_the_oldest_frames_and_counts_them()
    {
        var stats = new PipelineStats(TimeProvider.System);
        var stages = new FrameStages(new ColorBoxDetector(), stats, captureQueue: 2, resultQueue: 4, keepFramesWithObjects: false);
        var pool = FramePool.For(FrameStages.PoolFramesFor(2, 4, false), W, H);
        using var source = Pattern(pool);
        for (int i = 0; i < 10; i++) Assert.True(await stages.CaptureOneAsync(source, CancellationToken.None));

        Assert.Equal(8, stats.DroppedFrames);
        Assert.True(stages.Frames.TryRead(out var a));
        Assert.True(stages.Frames.TryRead(out var b));
        Assert.Equal([8L, 9L], [a!.Sequence, b!.Sequence]); // the newest survive
        a.Dispose();
        b.Dispose();
        Assert.Equal(0, pool.Grown); // dropped frames went back to the pool
        Assert.Equal(pool.Count, pool.Available);
    }

    [Fact]
    public async Task Results_the_publisher_cannot_take_drop_the_oldest_and_release_their_frames()
    {
        var stats = new PipelineStats(TimeProvider.System);
        var stages = new FrameStages(new ColorBoxDetector(), stats, captureQueue: 2, resultQueue: 3, keepFramesWithObjects: true);
        var pool = FramePool.For(FrameStages.PoolFramesFor(2, 3, true), W, H);
        using var source = Pattern(pool);
        for (int i = 0; i < 12; i++)
        {
            Assert.True(await stages.CaptureOneAsync(source, CancellationToken.None));
            Assert.True(stages.DetectOne());
        }
        Assert.Equal(9, stats.DroppedResults);
        var kept = new List<long>();
        while (stages.Results.TryRead(out var r))
        {
            Assert.NotNull(r.Frame);
            kept.Add(r.Sequence);
            stages.Release(r);
        }
        Assert.Equal([9L, 10L, 11L], kept);
        Assert.Equal(0, pool.Grown);
        Assert.Equal(pool.Count, pool.Available);
    }
}
