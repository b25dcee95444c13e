using System.Text;

namespace AQD.Edge.Messaging.Tests;

public sealed class DiskEventQueueTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aqd-queue-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static byte[] P(int i) => Encoding.UTF8.GetBytes($"{{\"n\":{i}}}");

    private static List<string> Drain(DiskEventQueue q)
    {
        var got = new List<string>();
        while (q.TryPeek(out var m)) { got.Add(Encoding.UTF8.GetString(m.Payload)); q.Acknowledge(m.Seq); }
        return got;
    }

    [Fact]
    public void Fifo_and_survives_reopen_with_only_unacknowledged_messages()
    {
        using (var q = DiskEventQueue.Open(_dir, 100))
        {
            for (int i = 0; i < 10; i++) q.Enqueue("t/events", P(i));
            for (int i = 0; i < 4; i++) { Assert.True(q.TryPeek(out var m)); Assert.Equal("t/events", m.Topic); q.Acknowledge(m.Seq); }
            Assert.Equal(6, q.Count);
        }
        using (var q = DiskEventQueue.Open(_dir, 100))
        {
            Assert.Equal(6, q.Count);
            q.Enqueue("t/events", P(10));
            Assert.Equal(Enumerable.Range(4, 7).Select(i => $"{{\"n\":{i}}}"), Drain(q));
            Assert.Equal(0, q.CorruptRecords);
        }
        using (var q = DiskEventQueue.Open(_dir, 100)) Assert.Equal(0, q.Count);
    }

    [Fact]
    public void Full_queue_drops_the_oldest_and_counts_them()
    {
        using (var q = DiskEventQueue.Open(_dir, 5))
        {
            for (int i = 0; i < 12; i++) q.Enqueue("t", P(i));
            Assert.Equal(5, q.Count);
            Assert.Equal(7, q.Dropped);
        }
        using var r = DiskEventQueue.Open(_dir, 5);
        Assert.Equal(Enumerable.Range(7, 5).Select(i => $"{{\"n\":{i}}}"), Drain(r));
    }

    [Fact]
    public void Reopen_with_a_smaller_capacity_keeps_the_newest()
    {
        using (var q = DiskEventQueue.Open(_dir, 50)) for (int i = 0; i < 20; i++) q.Enqueue("t", P(i));
        using var r = DiskEventQueue.Open(_dir, 8);
        Assert.Equal(12, r.Dropped);
        Assert.Equal(Enumerable.Range(12, 8).Select(i => $"{{\"n\":{i}}}"), Drain(r));
    }

    [Fact]
    public void Acknowledge_of_a_message_dropped_in_flight_is_ignored()
    {
        using var q = DiskEventQueue.Open(_dir, 2);
        q.Enqueue("t", P(0));
        Assert.True(q.TryPeek(out var inFlight));
        q.Enqueue("t", P(1));
        q.Enqueue("t", P(2)); // drops 0 while it is "in flight"
        q.Acknowledge(inFlight.Seq);
        Assert.Equal(2, q.Count);
        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], Drain(q));
    }

    private string OnlySegment() => Assert.Single(Directory.GetFiles(_dir, "*.seg"));

    [Fact]
    public void Truncated_tail_is_reported_and_the_rest_delivered()
    {
        using (var q = DiskEventQueue.Open(_dir, 100)) for (int i = 0; i < 5; i++) q.Enqueue("t", P(i));
        var seg = OnlySegment();
        var bytes = File.ReadAllBytes(seg);
        File.WriteAllBytes(seg, bytes[..^3]); // torn last write
        using (var q = DiskEventQueue.Open(_dir, 100))
        {
            Assert.Equal(1, q.CorruptRecords);
            Assert.Equal(4, q.Count);
            q.Enqueue("t", P(99)); // goes to a fresh segment, never after the torn tail
            Assert.Equal(["{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":99}"], Drain(q));
        }
    }

    [Fact]
    public void Bad_checksum_and_garbage_are_skipped_never_a_crash()
    {
        using (var q = DiskEventQueue.Open(_dir, 100)) for (int i = 0; i < 5; i++) q.Enqueue("t", P(i));
        var seg = OnlySegment();
        var bytes = File.ReadAllBytes(seg);
        int recordSize = bytes.Length / 5;
        bytes[recordSize + 20] ^= 0x5A;   // payload byte of record 1: checksum mismatch
        bytes[3 * recordSize] ^= 0xFF;    // magic of record 3: resync to record 4
        File.WriteAllBytes(seg, bytes);
        File.WriteAllBytes(Path.Combine(_dir, "zz-garbage.seg"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
        using var r = DiskEventQueue.Open(_dir, 100);
        Assert.Equal(["{\"n\":0}", "{\"n\":2}", "{\"n\":4}"], Drain(r));
        Assert.True(r.CorruptRecords >= 3, $"corrupt {r.CorruptRecords}");
    }

    [Fact]
    public void Corrupt_head_pointer_means_redelivery_not_loss()
    {
        using (var q = DiskEventQueue.Open(_dir, 100))
        {
            for (int i = 0; i < 3; i++) q.Enqueue("t", P(i));
            Assert.True(q.TryPeek(out var m));
            q.Acknowledge(m.Seq);
        }
        File.WriteAllBytes(Path.Combine(_dir, "head"), [9, 9, 9]);
        using var r = DiskEventQueue.Open(_dir, 100);
        Assert.Equal(1, r.CorruptRecords);
        Assert.Equal(3, r.Count);
    }

    [Fact]
    public void Segments_roll_and_are_deleted_once_acknowledged()
    {
        var big = new byte[200_000];
        using var q = DiskEventQueue.Open(_dir, 1000);
        for (int i = 0; i < 12; i++) q.Enqueue("t", big);
        Assert.True(Directory.GetFiles(_dir, "*.seg").Length >= 2);
        while (q.TryPeek(out var m)) q.Acknowledge(m.Seq);
        Assert.Single(Directory.GetFiles(_dir, "*.seg")); // only the one being written
    }
}
