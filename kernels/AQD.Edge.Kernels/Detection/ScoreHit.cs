// One row of a score tensor whose best class passed the threshold (output of the best-class scan).
namespace AQD.Edge.Kernels.Detection;

/// <summary>Row (cell, or cell x anchors + anchor), best class (lowest index on ties) and its raw value.</summary>
public readonly record struct ScoreHit(int Row, int ClassId, int Raw);
