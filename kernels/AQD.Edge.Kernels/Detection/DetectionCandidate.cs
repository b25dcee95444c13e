// A decoded box before / after NMS. Units: DetectionFixedPoint (Q16 score, Q8 model-input pixels,
// clipped to [0, input size]). Order (CandidateOrder): score descending, then level ascending (the
// levels' strides increase), then row ascending (row = cell, or cell * anchors + anchor): NanoDet's
// rule "score desc, stride asc, cell asc". (level, row) is unique, so the order is total.
using System.Runtime.CompilerServices;

namespace AQD.Edge.Kernels.Detection;

/// <summary>One candidate box.</summary>
public struct DetectionCandidate
{
    public int Score;
    public int ClassId;
    public int Level;
    public int Row;
    public int X1, Y1, X2, Y2;

    public override readonly string ToString() => $"class {ClassId} score {Score}/65536 L{Level} row {Row} [{X1} {Y1} {X2} {Y2}]/256";
}

/// <summary>Score descending, level ascending, row ascending.</summary>
public readonly struct CandidateOrder : IComparer<DetectionCandidate>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Compare(DetectionCandidate a, DetectionCandidate b)
    {
        int c = b.Score.CompareTo(a.Score);
        if (c != 0)
        {
            return c;
        }
        c = a.Level.CompareTo(b.Level);
        return c != 0 ? c : a.Row.CompareTo(b.Row);
    }
}
