using System.Runtime.CompilerServices;
using AQD.Edge.Hardware.Frames;
using Microsoft.Extensions.Logging;

namespace AQD.Edge.Hardware.Sources;

/// <summary>A box of the test pattern at one frame: pixel rectangle [X, X+Width) x [Y, Y+Height) and colour.</summary>
public readonly record struct PatternBox(int X, int Y, int Width, int Height, byte R, byte G, byte B);

/// <summary>Settings of <see cref="TestPatternFrameSource"/>.</summary>
public sealed record TestPatternOptions
{
    /// <summary>Frame width.</summary>
    public int Width { get; init; } = 320;
    /// <summary>Frame height.</summary>
    public int Height { get; init; } = 240;
    /// <summary>Number of moving boxes (1..8).</summary>
    public int Boxes { get; init; } = 3;
    /// <summary>Stop after this many frames (null: endless).</summary>
    public long? FrameCount { get; init; }
    /// <summary>Pace frames on the TimeProvider (null or zero: as fast as they are read).</summary>
    public TimeSpan? FrameInterval { get; init; }
    /// <summary>Frames preallocated in the pool.</summary>
    public int PoolFrames { get; init; } = 4;
}

/// <summary>
/// Deterministic synthetic camera without I/O: a dark vertical gradient with boxes that move in
/// straight lines and bounce off the edges. Frame n depends only on n and the options, so tests and
/// demos can know where every box is (<see cref="BoxesAt"/>). Unpaced reads complete synchronously
/// and allocate nothing.
/// </summary>
public sealed class TestPatternFrameSource : FrameSourceBase
{
    private static readonly (int W, int H, int Vx, int Vy, byte R, byte G, byte B)[] Templates =
    [
        (48, 32, 3, 2, 230, 40, 40), (32, 48, -2, 3, 40, 200, 60), (40, 40, 4, -1, 50, 80, 230),
        (24, 24, -3, -3, 240, 220, 40), (56, 20, 1, 4, 230, 60, 220), (20, 56, 5, 1, 40, 220, 220),
        (36, 28, -4, 2, 250, 250, 250), (28, 36, 2, -5, 130, 90, 40),
    ];

    private readonly TestPatternOptions _options;
    private long _produced;

    /// <summary>Creates the source.</summary>
    public TestPatternFrameSource(TestPatternOptions? options = null, TimeProvider? timeProvider = null, ILogger<TestPatternFrameSource>? logger = null, FramePool? pool = null)
        : this(options ?? new TestPatternOptions(), timeProvider, logger, pool, 0) { }

    private TestPatternFrameSource(TestPatternOptions options, TimeProvider? timeProvider, ILogger? logger, FramePool? pool, int _)
        : base(pool ?? FramePool.For(options.PoolFrames, options.Width, options.Height), timeProvider, logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Width, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Height, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Boxes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Boxes, Templates.Length);
        _options = options;
        Name = $"test-pattern {options.Width}x{options.Height}";
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>Where box <paramref name="index"/> is in frame <paramref name="sequence"/>.</summary>
    public static PatternBox BoxAt(long sequence, int index, int width, int height)
    {
        var t = Templates[index];
        // Boxes never exceed half the frame, so small frames (tests) work too.
        int bw = Math.Min(t.W, width / 2), bh = Math.Min(t.H, height / 2);
        int x0 = (width / 4 + index * 37) % (width - bw), y0 = (height / 4 + index * 23) % (height - bh);
        return new PatternBox(Bounce(x0, t.Vx, sequence, width - bw), Bounce(y0, t.Vy, sequence, height - bh), bw, bh, t.R, t.G, t.B);
    }

    /// <summary>All boxes of frame <paramref name="sequence"/> (allocates; for tests and demos).</summary>
    public PatternBox[] BoxesAt(long sequence)
    {
        var boxes = new PatternBox[_options.Boxes];
        for (int i = 0; i < boxes.Length; i++) boxes[i] = BoxAt(sequence, i, _options.Width, _options.Height);
        return boxes;
    }

    /// <summary>Draws frame <paramref name="sequence"/> into <paramref name="rgb"/> (3*width*height bytes).</summary>
    public static void Render(long sequence, int boxes, int width, int height, Span<byte> rgb)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(boxes, Templates.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(rgb.Length, 3 * width * height);
        for (int y = 0; y < height; y++)
        {
            byte g = (byte)(16 + 48 * y / height);
            var row = rgb.Slice(3 * y * width, 3 * width);
            for (int x = 0; x < row.Length; x += 3) { row[x] = g; row[x + 1] = g; row[x + 2] = (byte)(g + 8); }
        }
        for (int i = 0; i < boxes; i++)
        {
            var b = BoxAt(sequence, i, width, height);
            for (int y = b.Y; y < b.Y + b.Height; y++)
            {
                var row = rgb.Slice(3 * (y * width + b.X), 3 * b.Width);
                for (int x = 0; x < row.Length; x += 3) { row[x] = b.R; row[x + 1] = b.G; row[x + 2] = b.B; }
            }
        }
    }

    // Position after n steps of speed v, reflecting at 0 and max (a triangle wave).
    private static int Bounce(int start, int v, long n, int max)
    {
        if (max <= 0) return 0;
        long period = 2L * max;
        long p = ((start + v * n) % period + period) % period;
        return (int)(p <= max ? p : period - p);
    }

    /// <inheritdoc />
    protected override ValueTask<Frame?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_options.FrameCount is long max && _produced >= max) return ValueTask.FromResult<Frame?>(null);
        if (_options.FrameInterval is { } interval && interval > TimeSpan.Zero && _produced > 0)
            return PacedAsync(interval, cancellationToken);
        return ValueTask.FromResult<Frame?>(Produce());
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Frame?> PacedAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        await Task.Delay(interval, TimeProvider, cancellationToken).ConfigureAwait(false);
        return Produce();
    }

    private Frame Produce()
    {
        var frame = Pool.RentRgb24(_options.Width, _options.Height);
        Render(_produced++, _options.Boxes, _options.Width, _options.Height, frame.WritableData);
        return Deliver(frame);
    }
}
