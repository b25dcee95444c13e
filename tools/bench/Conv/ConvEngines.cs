namespace AQD.Edge.Bench.Conv;

/// <summary>AQD.Edge's own conv engines (filled in as the kernel families land on main).</summary>
public static class ConvEngines
{
    public static IEnumerable<IConvEngine> Ours() => [];
}
