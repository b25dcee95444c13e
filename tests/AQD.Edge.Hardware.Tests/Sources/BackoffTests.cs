using AQD.Edge.Hardware.Sources;

namespace AQD.Edge.Hardware.Tests.Sources;

public class BackoffTests
{
    [Fact]
    public void Doubles_caps_resets_and_exhausts()
    {
        var b = new Backoff(new ReconnectPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), MaxAttempts: 6));
        var delays = Enumerable.Range(0, 5).Select(_ => b.NextDelay().TotalSeconds).ToArray();
        Assert.Equal([1, 2, 4, 8, 8], delays);
        Assert.False(b.Exhausted);
        b.NextDelay();
        Assert.True(b.Exhausted);
        b.Reset();
        Assert.Equal(0, b.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(1), b.NextDelay());
    }

    [Fact]
    public void Jitter_only_shortens_within_its_percentage()
    {
        var b = new Backoff(new ReconnectPolicy(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), JitterPercent: 20), new Random(1));
        for (int i = 0; i < 50; i++)
        {
            var d = b.NextDelay();
            Assert.InRange(d.TotalSeconds, 8.0, 10.0);
        }
    }
}
