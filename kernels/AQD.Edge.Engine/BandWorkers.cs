using System.Runtime.ExceptionServices;

namespace AQD.Edge.Engine;

/// <summary>Work that is split into contiguous bands of [0, <see cref="Units"/>) (output rows).</summary>
internal interface IBandWork
{
    /// <summary>Number of units (e.g. output rows) to split.</summary>
    int Units { get; }

    /// <summary>Runs units [start, end) as participant <paramref name="participant"/> (0 = the caller; each participant has its own scratch).</summary>
    void RunBand(int participant, int start, int end);
}

/// <summary>
/// Fork-join over persistent worker threads, created once (at engine load) and reused for every
/// op of every inference: no Task, closure or work-item allocation per call. <see cref="Run"/>
/// publishes the work in a field, wakes the workers it needs through their own
/// <see cref="ManualResetEventSlim"/> (which spins briefly, then blocks), runs band 0 on the calling
/// thread, and waits on one "done" event set by the last worker to finish. Band boundaries are
/// deterministic: band b of n covers units [U*b/n, U*(b+1)/n). An exception in any band is
/// rethrown on the caller after every band finished (first by band index); the workers stay usable.
/// Not re-entrant: one <see cref="Run"/> at a time (the engine runs one inference at a time).
/// </summary>
internal sealed class BandWorkers : IDisposable
{
    private readonly Thread[] threads;
    private readonly ManualResetEventSlim[] start;
    private readonly ManualResetEventSlim done = new(false);
    private readonly Exception?[] errors;
    private IBandWork? work;
    private int bands;
    private int pending;
    private volatile bool stopping;

    /// <param name="participants">Threads taking part, the caller included (so participants - 1 workers).</param>
    /// <param name="name">Prefix of the worker thread names.</param>
    public BandWorkers(int participants, string name)
    {
        Participants = participants;
        errors = new Exception?[participants];
        threads = new Thread[participants - 1];
        start = new ManualResetEventSlim[participants - 1];
        // A ManualResetEventSlim creates its lock object the first time a Wait has to block; a
        // 1 ms wait on the unset event does that now, so no Run ever allocates it later.
        done.Wait(1);
        for (int i = 0; i < threads.Length; i++)
        {
            start[i] = new ManualResetEventSlim(false);
            start[i].Wait(1);
            int participant = i + 1;
            threads[i] = new Thread(() => WorkerLoop(participant)) { IsBackground = true, Name = $"{name} worker {participant}" };
            threads[i].Start();
        }
    }

    /// <summary>Threads taking part in a <see cref="Run"/>, the caller included.</summary>
    public int Participants { get; }

    /// <summary>Worker threads still alive (0 after <see cref="Dispose"/>).</summary>
    public int LiveWorkers => threads.Count(t => t.IsAlive);

    /// <summary>First unit of band <paramref name="band"/> of <paramref name="count"/> over <paramref name="units"/> units.</summary>
    public static int BandStart(int units, int band, int count) => (int)((long)units * band / count);

    /// <summary>Splits <paramref name="w"/> into min(Participants, Units, <paramref name="maxBands"/>) bands and runs them; returns when all are done.</summary>
    public void Run(IBandWork w, int maxBands = int.MaxValue)
    {
        ObjectDisposedException.ThrowIf(stopping, this);
        int units = w.Units;
        int n = Math.Min(Math.Min(Participants, units), maxBands);
        if (n <= 1)
        {
            w.RunBand(0, 0, units);
            return;
        }
        work = w;
        bands = n;
        Volatile.Write(ref pending, n - 1);
        for (int i = 0; i < n - 1; i++)
        {
            start[i].Set();
        }
        try
        {
            w.RunBand(0, 0, BandStart(units, 1, n));
        }
        catch (Exception e)
        {
            errors[0] = e;
        }
        done.Wait();
        done.Reset();
        work = null;
        for (int i = 0; i < n; i++)
        {
            if (errors[i] is { } error)
            {
                Array.Clear(errors);
                ExceptionDispatchInfo.Throw(error);
            }
        }
    }

    private void WorkerLoop(int participant)
    {
        var go = start[participant - 1];
        while (true)
        {
            go.Wait();
            go.Reset();
            if (stopping)
            {
                return;
            }
            try
            {
                var w = work!;
                int units = w.Units, n = bands;
                w.RunBand(participant, BandStart(units, participant, n), BandStart(units, participant + 1, n));
            }
            catch (Exception e)
            {
                errors[participant] = e;
            }
            if (Interlocked.Decrement(ref pending) == 0)
            {
                done.Set();
            }
        }
    }

    /// <summary>Stops and joins the workers (idempotent). Must not overlap a <see cref="Run"/>.</summary>
    public void Dispose()
    {
        if (stopping)
        {
            return;
        }
        stopping = true;
        foreach (var s in start)
        {
            s.Set();
        }
        foreach (var t in threads)
        {
            t.Join();
        }
        foreach (var s in start)
        {
            s.Dispose();
        }
        done.Dispose();
    }

    /// <summary>Wakes the workers so they exit, without joining (for a finalizer).</summary>
    public void SignalStop()
    {
        stopping = true;
        foreach (var s in start)
        {
            s.Set();
        }
    }
}
