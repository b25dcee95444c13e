using Microsoft.Extensions.Time.Testing;

namespace AQD.Edge.Messaging.Tests;

public class ObjectTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static Detection D(string label, float score, int x, int y, int w = 100, int h = 100) =>
        new(label, score, new PixelBox(x, y, x + w, y + h));

    [Fact]
    public void IoU_is_integer_permille()
    {
        var a = new PixelBox(0, 0, 100, 100);
        Assert.Equal(1000, PixelBox.IoUPermille(a, a));
        Assert.Equal(0, PixelBox.IoUPermille(a, new PixelBox(100, 0, 200, 100))); // touching edge
        Assert.Equal(333, PixelBox.IoUPermille(a, new PixelBox(50, 0, 150, 100))); // 5000 / 15000
        Assert.Equal(0, PixelBox.IoUPermille(a, new PixelBox(10, 10, 10, 50)));    // empty box
    }

    [Fact]
    public void One_object_is_one_event_new_update_end()
    {
        var time = new FakeTimeProvider(T0);
        var tracker = new ObjectTracker("cam1", new TrackerOptions { MaxMissedFrames = 2 }, time);

        var e1 = tracker.Update([D("person", 0.6f, 10, 10)]);
        var created = Assert.Single(e1);
        Assert.Equal(EventTypes.New, created.Type);
        Assert.Null(created.Before);
        Assert.Equal("cam1", created.After.Camera);
        Assert.Equal([10, 10, 110, 110], created.After.Box);
        Assert.Equal(T0.ToUnixTimeMilliseconds() / 1000.0, created.After.StartTime);
        string id = created.After.Id;

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Empty(tracker.Update([D("person", 0.55f, 12, 11)]));     // small move, lower score: no update
        time.Advance(TimeSpan.FromMilliseconds(100));
        var e3 = Assert.Single(tracker.Update([D("person", 0.9f, 14, 12)])); // top score rose
        Assert.Equal(EventTypes.Update, e3.Type);
        Assert.Equal(id, e3.After.Id);
        Assert.Equal(0.9f, e3.After.TopScore);
        Assert.Equal(id, e3.Before!.Id);
        time.Advance(TimeSpan.FromMilliseconds(100));
        var e4 = Assert.Single(tracker.Update([D("person", 0.5f, 50, 12)])); // moved (IoU 0.47: >= match 0.3, < update 0.7)
        Assert.Equal(EventTypes.Update, e4.Type);
        Assert.Equal(3 + 1, e4.After.Hits);
        Assert.Equal(new Dictionary<string, int> { ["person"] = 1 }, tracker.CountsByLabel());

        Assert.Empty(tracker.Update([]));
        Assert.Empty(tracker.Update([]));
        time.Advance(TimeSpan.FromSeconds(1));
        var end = Assert.Single(tracker.Update([]));
        Assert.Equal(EventTypes.End, end.Type);
        Assert.Equal(id, end.After.Id);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, end.After.EndTime);
        Assert.Equal(0, tracker.ActiveTracks);
    }

    [Fact]
    public void Labels_never_match_each_other_and_greedy_takes_highest_iou()
    {
        var tracker = new ObjectTracker("cam", time: new FakeTimeProvider(T0));
        var first = tracker.Update([D("person", 0.8f, 0, 0), D("person", 0.8f, 300, 0), D("dog", 0.7f, 0, 0)]);
        Assert.Equal(3, first.Count);
        var ids = first.Select(e => e.After.Id).ToArray();
        Assert.Equal(3, ids.Distinct().Count());

        // Same positions swapped in order; a car where the dog was -> new track (label differs).
        var second = tracker.Update([D("person", 0.8f, 305, 0), D("person", 0.8f, 5, 0), D("car", 0.7f, 0, 0)]);
        var created = Assert.Single(second);
        Assert.Equal("car", created.After.Label);
        Assert.Equal(EventTypes.New, created.Type);
        Assert.Equal(new Dictionary<string, int> { ["person"] = 2, ["dog"] = 1, ["car"] = 1 }, tracker.CountsByLabel());
    }

    [Fact]
    public void Far_jump_starts_a_new_object_and_ends_the_old_one_later()
    {
        var tracker = new ObjectTracker("cam", new TrackerOptions { MaxMissedFrames = 0 }, new FakeTimeProvider(T0));
        var a = Assert.Single(tracker.Update([D("car", 0.5f, 0, 0)]));
        var events = tracker.Update([D("car", 0.5f, 500, 500)]);
        Assert.Equal([EventTypes.End, EventTypes.New], events.Select(e => e.Type));
        Assert.Equal(a.After.Id, events[0].After.Id);
        Assert.NotEqual(a.After.Id, events[1].After.Id);
        var all = tracker.EndAll();
        Assert.Equal(EventTypes.End, Assert.Single(all).Type);
    }
}
