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

    /// <summary>
    /// Smallest work worth a band of its own, in multiply-accumulates (default 2^18 = 262144): an op
    /// of M MACs is split into at most max(1, M / MinMacsPerBand) bands, so small layers run on the
    /// calling thread instead of paying the wake-up of a worker. 0 splits every conv/depthwise op
    /// into Threads bands (as far as it has rows). Outputs do not depend on it.
    /// </summary>
    public long MinMacsPerBand { get; init; } = 1 << 18;

    /// <summary>The defaults: one thread.</summary>
    public static EngineOptions Default { get; } = new();

    internal void Validate(int maxThreads)
    {
        if (Threads < 1 || Threads > maxThreads)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads,
                $"EngineOptions.Threads must be between 1 and {maxThreads} (the processor count); got {Threads}.");
        }
        if (MinMacsPerBand < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinMacsPerBand), MinMacsPerBand,
                $"EngineOptions.MinMacsPerBand must be >= 0; got {MinMacsPerBand}.");
        }
    }
}
