using AQD.Edge.Worker.Pipeline;
using Microsoft.Extensions.Time.Testing;

namespace AQD.Edge.Worker.Tests.Pipeline;

/// <summary>Stats rates are counter differences over the interval on the injected clock.</summary>
public sealed class PipelineStatsTests
{
    [Fact]
    public void Rates_are_per_interval_on_the_injected_clock()
    {
        var clock = new FakeTimeProvider();
        var stats = new PipelineStats(clock);
        for (int i = 0; i < 12; i++) stats.AddCaptured();
        for (int i = 0; i < 10; i++) stats.AddProcessed(detectTicks: 1000 * (i + 1), hasObjects: i % 2 == 0);
        stats.AddDroppedFrame();
        stats.AddDroppedFrame();
        clock.Advance(TimeSpan.FromSeconds(2));

        var first = stats.Snapshot(sourceSkipped: 4, queueDepth: 3);
        Assert.Equal(6, first.CaptureFps);
        Assert.Equal(5, first.ProcessFps);
        Assert.Equal(2.5, first.DetectionFps);
        Assert.Equal(3, first.SkippedFps); // (4 skipped by the source + 2 captured but not processed) / 2 s
        Assert.Equal(2, first.DroppedFrames);
        Assert.Equal(3, first.FrameQueueDepth);
        Assert.True(first.InferenceMs.P99 >= first.InferenceMs.P95 && first.InferenceMs.P95 >= first.InferenceMs.P50 && first.InferenceMs.P50 > 0);

        stats.AddCaptured();
        clock.Advance(TimeSpan.FromSeconds(4));
        var second = stats.Snapshot(sourceSkipped: 4, queueDepth: 0);
        Assert.Equal(0.25, second.CaptureFps);
        Assert.Equal(0, second.ProcessFps);
        Assert.Equal(2, second.DroppedFrames); // a total, not a rate
    }
}
