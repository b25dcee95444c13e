namespace AQD.Edge.Profiling;

/// <summary>Options of the `profile` verb (<see cref="ProfileRunner"/>, <see cref="ProfileCommand"/>).</summary>
public sealed record ProfileOptions
{
    /// <summary>The model blob (.aqd).</summary>
    public required string Model { get; init; }

    /// <summary>Engine threads, the caller included (1 .. processor count). Default 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Timed iterations. Default 20.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Untimed warm-up runs. Default 3.</summary>
    public int Warmup { get; init; } = 3;

    /// <summary>Image (JPEG/PNG/BMP) stretched to the model input; default: seeded pseudo-random input bytes
    /// (integer kernels take the same time whatever the data).</summary>
    public string? Image { get; init; }

    /// <summary>Write the report as JSON here.</summary>
    public string? Json { get; init; }

    /// <summary>Write a Chrome/Perfetto trace-event JSON here.</summary>
    public string? Trace { get; init; }

    /// <summary>Seed of the random input.</summary>
    public int Seed { get; init; } = 1;

    public ProfileSettings Settings => new() { Iterations = Iterations, Warmup = Warmup };

    /// <summary>Checks every option; the message names the option.</summary>
    /// <exception cref="ArgumentException">An option is out of range or a file is missing.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model) || !File.Exists(Model))
        {
            throw new ArgumentException($"--model: file not found: '{Model}'.", nameof(Model));
        }
        if (Threads < 1 || Threads > Environment.ProcessorCount)
        {
            throw new ArgumentException($"--threads must be between 1 and {Environment.ProcessorCount} (the processor count); got {Threads}.", nameof(Threads));
        }
        if (Iterations is < 1 or > 1_000_000)
        {
            throw new ArgumentException($"--iterations must be between 1 and 1000000; got {Iterations}.", nameof(Iterations));
        }
        if (Warmup is < 0 or > 1_000_000)
        {
            throw new ArgumentException($"--warmup must be between 0 and 1000000; got {Warmup}.", nameof(Warmup));
        }
        if (Image is not null && !File.Exists(Image))
        {
            throw new ArgumentException($"--image: file not found: '{Image}'.", nameof(Image));
        }
    }
}
