using System.Diagnostics;

namespace AQD.Edge.Messaging;

/// <summary>
/// Inference latency over the last <see cref="Capacity"/> samples for the stats record: moving
/// average and p50/p95/p99 (nearest rank). <see cref="Add"/> does not allocate (a ring buffer of
/// Stopwatch ticks); <see cref="Snapshot"/> sorts a copy (once per stats interval). Thread-safe.
/// </summary>
public sealed class LatencyWindow(int capacity = 1024)
{
    private readonly long[] _ticks = new long[capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity))];
    private readonly Lock _gate = new();
    private int _next;
    private int _count;

    public int Capacity => _ticks.Length;

    /// <summary>Adds one sample given in Stopwatch ticks (e.g. the difference of two <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void Add(long stopwatchTicks)
    {
        lock (_gate)
        {
            _ticks[_next] = stopwatchTicks;
            _next = (_next + 1) % _ticks.Length;
            if (_count < _ticks.Length) _count++;
        }
    }

    public void Add(TimeSpan latency) => Add((long)(latency.Ticks * (double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));

    /// <summary>Average and percentiles in milliseconds (zeros when empty).</summary>
    public LatencyStats Snapshot()
    {
        long[] copy;
        lock (_gate) copy = _ticks.AsSpan(0, _count).ToArray();
        if (copy.Length == 0) return new LatencyStats();
        Array.Sort(copy);
        double perMs = Stopwatch.Frequency / 1000.0;
        double sum = 0;
        foreach (var t in copy) sum += t;
        double Rank(int p) => copy[Math.Clamp((int)Math.Ceiling(p / 100.0 * copy.Length) - 1, 0, copy.Length - 1)] / perMs;
        return new LatencyStats
        {
            Avg = Math.Round(sum / copy.Length / perMs, 3),
            P50 = Math.Round(Rank(50), 3),
            P95 = Math.Round(Rank(95), 3),
            P99 = Math.Round(Rank(99), 3),
        };
    }
}
