namespace AQD.Edge.DetectionData;

/// <summary>How <see cref="DigitScenes"/> composes images. Every value is validated by
/// <see cref="Validate"/> (called by each generator entry point).</summary>
public sealed record DigitSceneOptions
{
    /// <summary>Dataset seed: (Seed, split, index) fixes an image byte for byte.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Square image side in pixels; a multiple of 32 (64..1024).</summary>
    public int ImageSize { get; init; } = 256;

    public int MinObjects { get; init; } = 1;
    public int MaxObjects { get; init; } = 8;

    /// <summary>Longer side of an object's tight box, sampled log-uniformly in [MinObjectPx, MaxObjectPx]
    /// (at <see cref="ImageSize"/>; not scaled with it).</summary>
    public int MinObjectPx { get; init; } = 12;
    public int MaxObjectPx { get; init; } = 110;

    /// <summary>Largest IoU allowed between two objects' boxes (later objects are drawn over earlier ones).</summary>
    public float MaxOverlapIoU { get; init; } = 0.3f;

    /// <summary>Largest fraction of a box that another box may cover (keeps every object partly visible).</summary>
    public float MaxCoveredFraction { get; init; } = 0.5f;

    /// <summary>Aspect jitter: the glyph's width is scaled by a factor in [1/AspectJitter, AspectJitter].</summary>
    public float AspectJitter { get; init; } = 1.25f;

    public DigitSource Source { get; init; } = DigitSource.Mnist;

    /// <summary>Folder with Fashion-MNIST's IDX files (train-images-idx3-ubyte.gz ...); null = Debian's
    /// dataset-fashion-mnist install path.</summary>
    public string? FashionMnistDirectory { get; init; }

    /// <summary>Extra background photos (JPEG/PNG files of this folder, e.g. ../shared/images) added to the
    /// embedded repository photos; null = embedded photos only.</summary>
    public string? ExtraBackgroundDirectory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (ImageSize < 64 || ImageSize > 1024 || ImageSize % 32 != 0)
            throw new ArgumentException($"DigitSceneOptions.ImageSize must be a multiple of 32 in 64..1024 (got {ImageSize})");
        if (MinObjects < 1 || MaxObjects < MinObjects || MaxObjects > 64)
            throw new ArgumentException($"DigitSceneOptions: need 1 <= MinObjects <= MaxObjects <= 64 (got {MinObjects}..{MaxObjects})");
        if (MinObjectPx < 4 || MaxObjectPx < MinObjectPx || MaxObjectPx > ImageSize / 2)
            throw new ArgumentException($"DigitSceneOptions: need 4 <= MinObjectPx <= MaxObjectPx <= ImageSize/2 (got {MinObjectPx}..{MaxObjectPx}, ImageSize {ImageSize})");
        if (!(MaxOverlapIoU >= 0f && MaxOverlapIoU < 1f))
            throw new ArgumentException($"DigitSceneOptions.MaxOverlapIoU must be in [0, 1) (got {MaxOverlapIoU})");
        if (!(MaxCoveredFraction >= 0f && MaxCoveredFraction <= 1f))
            throw new ArgumentException($"DigitSceneOptions.MaxCoveredFraction must be in [0, 1] (got {MaxCoveredFraction})");
        if (!(AspectJitter >= 1f && AspectJitter <= 2f))
            throw new ArgumentException($"DigitSceneOptions.AspectJitter must be in [1, 2] (got {AspectJitter})");
        if (!Enum.IsDefined(Source))
            throw new ArgumentException($"DigitSceneOptions.Source: unknown value {(int)Source}");
        if (ExtraBackgroundDirectory is not null && !Directory.Exists(ExtraBackgroundDirectory))
            throw new ArgumentException($"DigitSceneOptions.ExtraBackgroundDirectory: folder not found: {ExtraBackgroundDirectory}");
    }
}
