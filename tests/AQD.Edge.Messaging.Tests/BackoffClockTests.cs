using AQD.Edge.Messaging.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AQD.Edge.Messaging.Tests;

/// <summary>The reconnect loop waits on the injected TimeProvider: with a fake clock nothing
/// retries until the clock moves, and the waits double up to the maximum.</summary>
public sealed class BackoffClockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aqd-backoff-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task Reconnect_attempts_follow_the_fake_clock_with_exponential_backoff()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var o = new MqttOptions
        {
            DeviceId = "bo", Host = "127.0.0.1", Port = EmbeddedBroker.FreeLoopbackPort(), QueuePath = _dir,
            ReconnectMinDelay = TimeSpan.FromSeconds(1), ReconnectMaxDelay = TimeSpan.FromSeconds(4), StatsInterval = TimeSpan.FromHours(1),
        };
        await using var pub = new MqttPublisher(o, new TestLogger("bo"), clock);
        await pub.StartAsync(TestContext.Current.CancellationToken);
        await Wait.UntilAsync(() => pub.ConnectFailures == 1, Wait.Long, "first attempt refused");

        // Waits expected: 1 s, 2 s, 4 s, 4 s (capped). Before each full wait the count must not move.
        long failures = 1;
        foreach (int seconds in new[] { 1, 2, 4, 4 })
        {
            clock.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
            await Task.Delay(150, TestContext.Current.CancellationToken); // negative check: give a wrong early retry a chance to show
            Assert.Equal(failures, pub.ConnectFailures);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            failures++;
            await Wait.UntilAsync(() => pub.ConnectFailures == failures, Wait.Long, $"retry after {seconds} s");
        }
        Assert.Equal(0, pub.Connects);
    }
}
