using System.Diagnostics;

namespace AQD.Edge.Messaging.Tests;

public class LatencyWindowTests
{
    [Fact]
    public void Average_and_nearest_rank_percentiles_over_the_window()
    {
        var w = new LatencyWindow(100);
        Assert.Equal(0, w.Snapshot().P99);
        for (int ms = 1; ms <= 100; ms++) w.Add(TimeSpan.FromMilliseconds(ms));
        var s = w.Snapshot();
        Assert.Equal(50.5, s.Avg, 2);
        Assert.Equal(50, s.P50, 2);
        Assert.Equal(95, s.P95, 2);
        Assert.Equal(99, s.P99, 2);

        for (int i = 0; i < 100; i++) w.Add(Stopwatch.Frequency / 1000 * 7); // window slides: only 7 ms left
        s = w.Snapshot();
        Assert.Equal(7, s.Avg, 2);
        Assert.Equal(7, s.P99, 2);
    }
}
