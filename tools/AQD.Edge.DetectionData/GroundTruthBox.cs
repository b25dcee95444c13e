namespace AQD.Edge.DetectionData;

/// <summary>One object: class index and its tight box in pixels, continuous coordinates
/// (a box covering pixel columns 3..5 has X1 = 3, X2 = 6). X2 &gt; X1, Y2 &gt; Y1.</summary>
public sealed record GroundTruthBox(int ClassId, float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;
    public float Area => (X2 - X1) * (Y2 - Y1);
}
