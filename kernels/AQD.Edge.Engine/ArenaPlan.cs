namespace AQD.Edge.Engine;

/// <summary>One buffer of the arena: a tensor (<see cref="Tensor"/> &gt;= 0) or the scratch of an op
/// (<see cref="ScratchOfOp"/> &gt;= 0), live from step <see cref="First"/> to step <see cref="Last"/> inclusive.</summary>
public readonly record struct ArenaBuffer(int Tensor, int ScratchOfOp, int Offset, int Size, int First, int Last)
{
    public bool OverlapsInTime(ArenaBuffer other) => First <= other.Last && other.First <= Last;
    public bool OverlapsInMemory(ArenaBuffer other) => Offset < other.Offset + other.Size && other.Offset < Offset + Size;
}

/// <summary>
/// Greedy arena planning (TFLite's "greedy by size"): buffers are placed largest first, each at the
/// lowest 64-byte-aligned offset where it overlaps no already-placed buffer that is live at the
/// same time. Lifetimes are inclusive step intervals, so an op's inputs, outputs and scratch never
/// share memory.
/// </summary>
public static class ArenaPlanner
{
    public const int Alignment = 64;

    /// <summary>Assigns offsets; returns the placed buffers and the arena size.</summary>
    public static (ArenaBuffer[] Buffers, int Size) Plan(IReadOnlyList<ArenaBuffer> buffers)
    {
        var order = Enumerable.Range(0, buffers.Count)
            .OrderByDescending(i => buffers[i].Size).ThenBy(i => buffers[i].First).ThenBy(i => i).ToArray();
        var placed = new List<ArenaBuffer>();
        var result = new ArenaBuffer[buffers.Count];
        long size = 0;
        foreach (int i in order)
        {
            var b = buffers[i];
            var live = placed.Where(p => p.OverlapsInTime(b)).OrderBy(p => p.Offset).ToList();
            long offset = 0;
            foreach (var p in live)
            {
                if (offset + b.Size <= p.Offset)
                {
                    break;
                }
                offset = Math.Max(offset, AlignUp((long)p.Offset + p.Size));
            }
            if (offset + b.Size > int.MaxValue - Alignment)
            {
                throw new InvalidOperationException($"arena: {offset + b.Size} bytes exceed 2 GiB.");
            }
            var at = b with { Offset = (int)offset };
            placed.Add(at);
            result[i] = at;
            size = Math.Max(size, AlignUp(offset + b.Size));
        }
        return (result, (int)size);
    }

    public static long AlignUp(long n) => (n + Alignment - 1) / Alignment * Alignment;
}
