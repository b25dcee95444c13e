using AQD.Edge.Detection;
using AQD.Edge.Worker.Pipeline;

namespace AQD.Edge.Worker.Tests.Support;

/// <summary>
/// A deterministic stand-in for the model: finds the bounding box of the pixels of one exact colour
/// (the test pattern's first box, red 230/40/40) and reports it as a "person" with score 900.
/// Allocation-free, like the real detector. <see cref="FailEvery"/> makes every n-th call throw.
/// </summary>
internal sealed class ColorBoxDetector(byte r = 230, byte g = 40, byte b = 40) : IFrameDetector
{
    private int _calls;

    public string Name => "color-box test detector";
    public int MaxDetections => 4;
    public IReadOnlyList<string> Labels { get; } = ["person"];
    public DetectorTicks LastTicks => default;
    public int FailEvery { get; init; }
    public int Calls => _calls;

    public int Detect(ReadOnlySpan<byte> rgb24, int width, int height, int stride, Span<ObjectDetection> output)
    {
        int call = ++_calls;
        if (FailEvery > 0 && call % FailEvery == 0) throw new InvalidOperationException($"test failure on call {call}");
        int x1 = int.MaxValue, y1 = int.MaxValue, x2 = -1, y2 = -1;
        for (int y = 0; y < height; y++)
        {
            var row = rgb24.Slice(y * stride, 3 * width);
            for (int x = 0; x < width; x++)
            {
                if (row[3 * x] != r || row[3 * x + 1] != g || row[3 * x + 2] != b) continue;
                if (x < x1) x1 = x;
                if (y < y1) y1 = y;
                if (x > x2) x2 = x;
                if (y > y2) y2 = y;
            }
        }
        if (x2 < 0) return 0;
        output[0] = new ObjectDetection(0, "person", 900, x1, y1, x2 + 1, y2 + 1);
        return 1;
    }

    public void Dispose() { }
}
