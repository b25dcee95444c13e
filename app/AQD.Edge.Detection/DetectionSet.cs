using System.Collections;

namespace AQD.Edge.Detection;

/// <summary>
/// The detections of one frame, best first, and the frame's size. Owned by the <see cref="Detector"/>:
/// valid until its next Detect call (copy with <see cref="ToArray"/> to keep them).
/// </summary>
public sealed class DetectionSet : IReadOnlyList<ObjectDetection>
{
    private readonly ObjectDetection[] items;

    internal DetectionSet(int capacity) => items = new ObjectDetection[capacity];

    public int Count { get; private set; }

    /// <summary>Width and height of the original image the boxes refer to.</summary>
    public int ImageWidth { get; private set; }
    public int ImageHeight { get; private set; }

    public ObjectDetection this[int index]
        => (uint)index < (uint)Count ? items[index] : throw new ArgumentOutOfRangeException(nameof(index), index, $"the set holds {Count} detections.");

    public ReadOnlySpan<ObjectDetection> AsSpan() => items.AsSpan(0, Count);

    public ObjectDetection[] ToArray() => AsSpan().ToArray();

    internal void Reset(int width, int height)
    {
        Count = 0;
        ImageWidth = width;
        ImageHeight = height;
    }

    internal void Add(in ObjectDetection d) => items[Count++] = d;

    public ReadOnlySpan<ObjectDetection>.Enumerator GetEnumerator() => AsSpan().GetEnumerator();

    IEnumerator<ObjectDetection> IEnumerable<ObjectDetection>.GetEnumerator() => ((IEnumerable<ObjectDetection>)ToArray()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ToArray().GetEnumerator();
}
