using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AQD.Edge.Messaging;

/// <summary>A queued message: its sequence number, topic and payload.</summary>
public sealed record QueuedMessage(long Seq, string Topic, byte[] Payload);

/// <summary>
/// Bounded, durable FIFO of MQTT messages (the object events) for the time the broker is away.
/// <para>On disk: a folder with append-only segment files <c>&lt;first seq, 20 digits&gt;.seg</c> and a
/// head pointer file <c>head</c> (the sequence number of the oldest message not yet acknowledged,
/// int64 + CRC-32, replaced atomically by write-to-temp + rename). A record is
/// <c>magic u32 'AEQ1' | body length i32 | CRC-32 of body u32 | body</c>, body =
/// <c>seq i64 | topic length u16 | topic UTF-8 | payload</c>, little-endian. A segment is deleted
/// once every record in it is below the head; a new segment starts at every open (never appending
/// after a possibly torn tail) and when the current one exceeds <see cref="SegmentBytes"/>.</para>
/// <para>Durability (fsync policy): every record is written through to the OS before
/// <see cref="Enqueue"/> returns, so a crash or kill of the process loses nothing; with
/// <c>fsync: true</c> each record and head update is also fsync'ed (power-loss safe at the cost of
/// one flash write per event). Delivery is at least once: the head advances only after the broker
/// acknowledged (QoS 1 PUBACK), so a crash between PUBACK and the head update re-sends one message.</para>
/// <para>Recovery: a truncated tail, a bad checksum or a bad magic is logged and counted
/// (<see cref="CorruptRecords"/>) and the record skipped (resynchronising on the next magic);
/// opening never throws for corrupt content. A corrupt head file counts as head 0 (re-delivery, not loss).</para>
/// <para>Bounded: at <see cref="Capacity"/> messages, <see cref="Enqueue"/> drops the OLDEST and
/// counts it in <see cref="Dropped"/>. Thread-safe.</para>
/// </summary>
public sealed partial class DiskEventQueue : IDisposable
{
    private const uint Magic = 0x31514541; // "AEQ1"
    private const int HeaderSize = 12;
    private const int MaxBody = 16 << 20;
    public const long SegmentBytes = 1 << 20;

    private readonly object _gate = new();
    private readonly string _dir;
    private readonly bool _fsync;
    private readonly ILogger _log;
    private readonly LinkedList<QueuedMessage> _items = new();
    private readonly List<(string Path, long LastSeq)> _segments = [];
    private FileStream? _writer;
    private string? _writerPath;
    private long _head;
    private long _nextSeq;
    private bool _disposed;

    public int Capacity { get; }
    public string Directory => _dir;
    /// <summary>Messages dropped (oldest first) because the queue was full, since open.</summary>
    public long Dropped { get; private set; }
    /// <summary>Corrupt records found and skipped at open.</summary>
    public long CorruptRecords { get; private set; }

    public int Count { get { lock (_gate) return _items.Count; } }

    private DiskEventQueue(string dir, int capacity, bool fsync, ILogger log)
    {
        _dir = dir; Capacity = capacity; _fsync = fsync; _log = log;
    }

    /// <summary>Opens (or creates) the queue in <paramref name="directory"/> and loads the messages not yet acknowledged.</summary>
    public static DiskEventQueue Open(string directory, int capacity, bool fsync = false, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        System.IO.Directory.CreateDirectory(directory);
        var q = new DiskEventQueue(Path.GetFullPath(directory), capacity, fsync, logger ?? NullLogger.Instance);
        q.Load();
        return q;
    }

    private void Load()
    {
        _head = ReadHead();
        long maxSeq = _head - 1;
        foreach (var path in System.IO.Directory.GetFiles(_dir, "*.seg").Order(StringComparer.Ordinal))
        {
            long last = -1;
            byte[] data;
            try { data = File.ReadAllBytes(path); }
            catch (IOException e) { LogUnreadableSegment(path, e.Message); CorruptRecords++; continue; }
            int pos = 0;
            while (pos < data.Length)
            {
                if (data.Length - pos < HeaderSize)
                {
                    Corrupt(path, pos, "truncated record header at the end of the segment");
                    break;
                }
                uint magic = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos));
                int len = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos + 4));
                uint crc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos + 8));
                if (magic != Magic || len < 10 || len > MaxBody)
                {
                    Corrupt(path, pos, magic != Magic ? "bad magic" : $"bad length {len}");
                    pos = Resync(data, pos + 1);
                    continue;
                }
                if (len > data.Length - pos - HeaderSize)
                {
                    Corrupt(path, pos, "truncated record at the end of the segment");
                    break;
                }
                var body = data.AsSpan(pos + HeaderSize, len);
                if (Crc32.Compute(body) != crc)
                {
                    Corrupt(path, pos, "checksum mismatch");
                    pos += HeaderSize + len;
                    continue;
                }
                long seq = BinaryPrimitives.ReadInt64LittleEndian(body);
                int topicLen = BinaryPrimitives.ReadUInt16LittleEndian(body[8..]);
                if (10 + topicLen > len)
                {
                    Corrupt(path, pos, "bad topic length");
                    pos += HeaderSize + len;
                    continue;
                }
                pos += HeaderSize + len;
                last = Math.Max(last, seq);
                if (seq < _head || seq <= maxSeq) continue; // acknowledged already (or duplicate)
                maxSeq = seq;
                _items.AddLast(new QueuedMessage(seq, Encoding.UTF8.GetString(body.Slice(10, topicLen)), body[(10 + topicLen)..].ToArray()));
            }
            _segments.Add((path, last));
        }
        _nextSeq = maxSeq + 1;
        while (_items.Count > Capacity) DropOldest();
        if (_items.Count > 0) _head = _items.First!.Value.Seq;
        CollectSegments();
        if (_items.Count > 0 || CorruptRecords > 0) LogOpened(_dir, _items.Count, CorruptRecords);
    }

    private static int Resync(byte[] data, int from)
    {
        Span<byte> m = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(m, Magic);
        int i = data.AsSpan(from).IndexOf(m);
        return i < 0 ? data.Length : from + i;
    }

    private void Corrupt(string path, int offset, string what)
    {
        CorruptRecords++;
        LogCorruptRecord(Path.GetFileName(path), offset, what);
    }

    /// <summary>Appends a message (written through to the OS, fsync'ed by policy); drops the oldest when full.</summary>
    public long Enqueue(string topic, ReadOnlySpan<byte> payload)
    {
        int topicBytes = Encoding.UTF8.GetByteCount(topic);
        if (topicBytes > ushort.MaxValue || 10L + topicBytes + payload.Length > MaxBody)
            throw new ArgumentException("Message too large for the event queue.");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            while (_items.Count >= Capacity) DropOldest();
            long seq = _nextSeq++;
            int len = 10 + topicBytes + payload.Length;
            var rec = new byte[HeaderSize + len];
            var body = rec.AsSpan(HeaderSize);
            BinaryPrimitives.WriteInt64LittleEndian(body, seq);
            BinaryPrimitives.WriteUInt16LittleEndian(body[8..], (ushort)topicBytes);
            Encoding.UTF8.GetBytes(topic, body[10..]);
            payload.CopyTo(body[(10 + topicBytes)..]);
            BinaryPrimitives.WriteUInt32LittleEndian(rec, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(rec.AsSpan(4), len);
            BinaryPrimitives.WriteUInt32LittleEndian(rec.AsSpan(8), Crc32.Compute(body));

            if (_writer is null || _writer.Length >= SegmentBytes) StartSegment(seq);
            _writer!.Write(rec);
            _writer.Flush(_fsync);
            _segments[^1] = (_segments[^1].Path, seq);
            _items.AddLast(new QueuedMessage(seq, topic, payload.ToArray()));
            return seq;
        }
    }

    /// <summary>The oldest message not yet acknowledged.</summary>
    public bool TryPeek(out QueuedMessage message)
    {
        lock (_gate)
        {
            message = _items.First?.Value!;
            return message is not null;
        }
    }

    /// <summary>Removes message <paramref name="seq"/> if it is still the oldest (the broker
    /// acknowledged it); a message dropped meanwhile by overflow is ignored.</summary>
    public void Acknowledge(long seq)
    {
        lock (_gate)
        {
            if (_disposed || _items.First is not { } first || first.Value.Seq != seq) return;
            _items.RemoveFirst();
            _head = seq + 1;
            WriteHead();
            CollectSegments();
        }
    }

    private void DropOldest()
    {
        var first = _items.First!.Value;
        _items.RemoveFirst();
        _head = first.Seq + 1;
        Dropped++;
        if (Dropped == 1 || Dropped % 1000 == 0) LogDropped(Dropped, Capacity);
        WriteHead();
        CollectSegments();
    }

    private void StartSegment(long firstSeq)
    {
        _writer?.Dispose();
        _writerPath = Path.Combine(_dir, $"{firstSeq:D20}.seg");
        _writer = new FileStream(_writerPath, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
        _segments.Add((_writerPath, firstSeq - 1));
    }

    private void CollectSegments()
    {
        for (int i = 0; i < _segments.Count;)
        {
            var (path, last) = _segments[i];
            if (last < _head && path != _writerPath)
            {
                try { File.Delete(path); } catch (IOException) { }
                _segments.RemoveAt(i);
            }
            else i++;
        }
    }

    private long ReadHead()
    {
        var path = Path.Combine(_dir, "head");
        if (!File.Exists(path)) return 0;
        var b = File.ReadAllBytes(path);
        if (b.Length == 12 && Crc32.Compute(b.AsSpan(0, 8)) == BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8)))
            return BinaryPrimitives.ReadInt64LittleEndian(b);
        CorruptRecords++;
        LogCorruptRecord("head", 0, "bad head pointer; delivering from the oldest record on disk");
        return 0;
    }

    private void WriteHead()
    {
        Span<byte> b = stackalloc byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(b, _head);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], Crc32.Compute(b[..8]));
        var path = Path.Combine(_dir, "head");
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(b);
            f.Flush(_fsync);
        }
        File.Move(tmp, path, overwrite: true);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _writer?.Flush(true);
            _writer?.Dispose();
            _writer = null;
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Event queue: corrupt record in {Segment} at offset {Offset} ({What}); skipped")]
    private partial void LogCorruptRecord(string segment, int offset, string what);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Event queue: segment {Path} unreadable ({Error}); skipped")]
    private partial void LogUnreadableSegment(string path, string error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Event queue full ({Capacity}): oldest events dropped, {Dropped} so far")]
    private partial void LogDropped(long dropped, int capacity);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Event queue {Directory}: {Count} events pending, {Corrupt} corrupt records skipped")]
    private partial void LogOpened(string directory, int count, long corrupt);
}
