namespace AQD.Edge.Engine;

/// <summary>Options given to <see cref="InferenceEngine.Load(AQD.Edge.Model.Container.BlobReader, EngineOptions?)"/>.</summary>
public sealed record EngineOptions
{
    /// <summary>
    /// Threads an inference uses, the calling thread included: 1 (default) runs everything on the
    /// caller; N starts N - 1 persistent worker threads at load that compute disjoint bands of
    /// output rows of each convolution and depthwise convolution. Valid range 1 ..
    /// <see cref="Environment.ProcessorCount"/>. Outputs are bit-identical for every value.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>The defaults: one thread.</summary>
    public static EngineOptions Default { get; } = new();

    internal void Validate(int maxThreads)
    {
        if (Threads < 1 || Threads > maxThreads)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads,
                $"EngineOptions.Threads must be between 1 and {maxThreads} (the processor count); got {Threads}.");
        }
    }
}
