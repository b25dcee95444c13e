using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Sources;

namespace AQD.Edge.Worker.Tests.Support;

/// <summary>A camera that delivers <paramref name="goodFrames"/> frames of the test pattern, then
/// fails the way a lost device does (IOException out of the read).</summary>
internal sealed class FlakySource(int goodFrames, int width = 160, int height = 120) : IFrameSource
{
    private readonly TestPatternFrameSource _inner = new(new TestPatternOptions { Width = width, Height = height, Boxes = 1 }, pool: FramePool.For(16, width, height));
    private int _delivered;

    public string Name => $"flaky test pattern ({goodFrames} frames)";
    public FrameSourceStats Stats => _inner.Stats;

    public async ValueTask<Frame?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        if (_delivered++ >= goodFrames) throw new IOException("camera unplugged (test)");
        return await _inner.ReadFrameAsync(cancellationToken);
    }

    public IAsyncEnumerable<Frame> ReadAllAsync(CancellationToken cancellationToken = default) => _inner.ReadAllAsync(cancellationToken);
    public void Dispose() => _inner.Dispose();
}
