using AQD.Edge.Bench.Harness;

namespace AQD.Edge.Bench.Models;

/// <summary>Options of the <c>models</c> benchmark (validated by <see cref="Validate"/>).</summary>
public sealed record ModelBenchOptions(
    IReadOnlyList<ModelSpec> Models,
    IReadOnlyList<int> Bits,
    IReadOnlyList<int> Threads,
    string ImageFolder,
    HarnessOptions Harness,
    bool Chart = true,
    string? ExportDirectory = null,
    bool Timing = true)
{
    public void Validate()
    {
        if (Models.Count == 0)
        {
            throw new ArgumentException("--models: no model selected.");
        }
        if (Bits.Count == 0 || Bits.Any(b => b is not (8 or 4 or 3 or 2)))
        {
            throw new ArgumentException("--bits takes 8, 4, 3 and/or 2.");
        }
        if (Threads.Count == 0 || Threads.Any(t => t < 1 || t > Environment.ProcessorCount))
        {
            throw new ArgumentException($"--threads values must be between 1 and {Environment.ProcessorCount}.");
        }
        if (!Directory.Exists(ImageFolder))
        {
            throw new ArgumentException($"--images: folder not found: '{ImageFolder}'.");
        }
    }
}
