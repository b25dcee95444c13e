namespace AQD.Edge.Bench.Conv;

/// <summary>AQD.Edge's own conv engines (one per kernel family that implements convolution).</summary>
public static class ConvEngines
{
    public static IEnumerable<IConvEngine> Ours() => [new AqdConvEngine()];
}
