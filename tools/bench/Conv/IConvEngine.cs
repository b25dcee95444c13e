using AQD.Edge.Bench.Harness;

namespace AQD.Edge.Bench.Conv;

/// <summary>An implementation under test: turns one shape's data into prepared cases.</summary>
public interface IConvEngine
{
    string Name { get; }

    /// <summary>Prepared cases for <paramref name="data"/> at the requested bit widths (an engine skips widths it lacks).</summary>
    IEnumerable<IBenchCase> CreateCases(ConvBenchData data, IReadOnlyList<int> bits, ConvBenchOptions options);
}
