using System.Runtime.CompilerServices;
using AQD.Edge.Hardware.Frames;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AQD.Edge.Hardware.Sources;

/// <summary>Shared plumbing: pool, clock, logger, sequence numbers, stats, enumeration.</summary>
public abstract class FrameSourceBase : IFrameSource
{
    private long _sequence;
    private int _disposed;

    /// <param name="pool">Where frames come from.</param>
    /// <param name="timeProvider">Clock for timestamps and delays (null: system clock).</param>
    /// <param name="logger">Logger (null: none).</param>
    protected FrameSourceBase(FramePool pool, TimeProvider? timeProvider, ILogger? logger)
    {
        Pool = pool;
        TimeProvider = timeProvider ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public abstract string Name { get; }
    /// <inheritdoc />
    public FrameSourceStats Stats { get; } = new();
    /// <summary>The frame pool.</summary>
    public FramePool Pool { get; }
    /// <summary>The clock.</summary>
    protected TimeProvider TimeProvider { get; }
    /// <summary>The logger.</summary>
    protected ILogger Logger { get; }
    /// <summary>True once disposed.</summary>
    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    public ValueTask<Frame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return ReadCoreAsync(cancellationToken);
    }

    /// <summary>Produces the next frame (unstamped) or null at the end; stamps happen in <see cref="Deliver"/>.</summary>
    protected abstract ValueTask<Frame?> ReadCoreAsync(CancellationToken cancellationToken);

    /// <summary>Stamps sequence and capture time on a filled frame and counts it.</summary>
    protected Frame Deliver(Frame frame)
    {
        frame.Stamp(_sequence++, TimeProvider.GetUtcNow());
        Stats.AddFrame();
        return frame;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Frame> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            if (frame is null) yield break;
            yield return frame;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the source's resources.</summary>
    protected virtual void Dispose(bool disposing) { }
}
