using AQD.Edge.Hardware.Sources;
using AQD.Edge.Hardware.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace AQD.Edge.Hardware.Tests.Sources;

public class TestPatternSourceTests
{
    [Fact]
    public async Task Is_deterministic_and_moves()
    {
        var ct = TestContext.Current.CancellationToken;
        using var a = new TestPatternFrameSource(new TestPatternOptions { FrameCount = 20 });
        using var b = new TestPatternFrameSource(new TestPatternOptions { FrameCount = 20 });
        byte[]? previous = null;
        long n = 0;
        await foreach (var fa in a.ReadAllAsync(ct))
        {
            using var fb = (await b.ReadFrameAsync(ct))!;
            Assert.Equal(n, fa.Sequence);
            Assert.Equal(fa.Data.ToArray(), fb.Data.ToArray());
            if (previous is not null) Assert.NotEqual(previous, fa.Data.ToArray());
            previous = fa.Data.ToArray();
            // Every box is painted in its colour at its advertised position (the last box is on top).
            var boxes = a.BoxesAt(fa.Sequence);
            var top = boxes[^1];
            int o = 3 * ((top.Y + top.Height / 2) * fa.Width + top.X + top.Width / 2);
            Assert.Equal([top.R, top.G, top.B], fa.Data.Slice(o, 3).ToArray());
            fa.Dispose();
            n++;
        }
        Assert.Equal(20, n);
        Assert.Null(await a.ReadFrameAsync(ct));
    }

    [Fact]
    public async Task Boxes_stay_inside_the_frame()
    {
        for (long s = 0; s < 2000; s += 7)
            for (int i = 0; i < 8; i++)
            {
                var box = TestPatternFrameSource.BoxAt(s, i, 320, 240);
                Assert.InRange(box.X, 0, 320 - box.Width);
                Assert.InRange(box.Y, 0, 240 - box.Height);
            }
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Pacing_and_timestamps_follow_the_injected_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var src = new TestPatternFrameSource(new TestPatternOptions { FrameInterval = TimeSpan.FromMilliseconds(100), FrameCount = 3 }, clock);
        var stamps = await FakeClock.RunAsync(clock, async () =>
        {
            var list = new List<DateTimeOffset>();
            await foreach (var f in src.ReadAllAsync()) { list.Add(f.Timestamp); f.Dispose(); }
            return list;
        }, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10));
        Assert.Equal(3, stamps.Count);
        Assert.True(stamps[1] - stamps[0] >= TimeSpan.FromMilliseconds(100));
        Assert.True(stamps[2] - stamps[1] >= TimeSpan.FromMilliseconds(100));
    }
}
