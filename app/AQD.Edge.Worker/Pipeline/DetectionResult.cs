using AQD.Edge.Hardware.Frames;
using AQD.Edge.Detection;

namespace AQD.Edge.Worker.Pipeline;

/// <summary>
/// One frame's detections on their way from the detect stage to the publish stage. Pooled
/// (<see cref="ResultPool"/>): the object array is allocated once. <see cref="Frame"/> travels along
/// only when a snapshot may be needed (the frame has objects and snapshots are on); the publish
/// stage disposes it.
/// </summary>
public sealed class DetectionResult
{
    internal DetectionResult(int capacity) => Objects = new ObjectDetection[capacity];

    public ObjectDetection[] Objects { get; }
    public int Count { get; internal set; }
    public long Sequence { get; internal set; }
    public DateTimeOffset Timestamp { get; internal set; }
    public int Width { get; internal set; }
    public int Height { get; internal set; }
    /// <summary>Detector time (preprocess + inference + decode) in Stopwatch ticks.</summary>
    public long DetectTicks { get; internal set; }
    public Frame? Frame { get; internal set; }

    public ReadOnlySpan<ObjectDetection> Span => Objects.AsSpan(0, Count);

    internal void ReleaseFrame()
    {
        Frame?.Dispose();
        Frame = null;
    }
}

/// <summary>A preallocated set of results; renting from an empty pool allocates one more (counted).</summary>
public sealed class ResultPool
{
    private readonly Lock _gate = new();
    private readonly int _capacity;
    private DetectionResult[] _free;
    private int _freeCount;

    public ResultPool(int count, int objectsPerResult)
    {
        _capacity = objectsPerResult;
        _free = new DetectionResult[count];
        for (int i = 0; i < count; i++) _free[i] = new DetectionResult(objectsPerResult);
        _freeCount = count;
    }

    public long Grown { get; private set; }

    public DetectionResult Rent()
    {
        lock (_gate)
        {
            if (_freeCount > 0)
            {
                var r = _free[--_freeCount];
                _free[_freeCount] = null!;
                return r;
            }
            Grown++;
        }
        return new DetectionResult(_capacity);
    }

    public void Return(DetectionResult result)
    {
        result.ReleaseFrame();
        result.Count = 0;
        lock (_gate)
        {
            if (_freeCount == _free.Length) Array.Resize(ref _free, _free.Length + 1);
            _free[_freeCount++] = result;
        }
    }
}
