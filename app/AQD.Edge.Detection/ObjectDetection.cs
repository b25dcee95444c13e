namespace AQD.Edge.Detection;

/// <summary>One detection: class, label, score in per mille, box in whole pixels of the original image (x2, y2 exclusive edges).</summary>
public readonly record struct ObjectDetection(int ClassId, string Label, int ScorePermille, int X1, int Y1, int X2, int Y2)
{
    public int Width => X2 - X1;
    public int Height => Y2 - Y1;
}
