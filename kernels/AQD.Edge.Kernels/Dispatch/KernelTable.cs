namespace AQD.Edge.Kernels.Dispatch;

/// <summary>
/// The one place where a kernel variant is chosen for each family.
/// <para>
/// Preference, per family: the best ISA the CPU supports (AvxVnni &gt; Avx2 on x86, AdvSimdDp &gt;
/// AdvSimd on ARM64), falling back to Scalar. A forced ISA (environment variable
/// <c>AQD_KERNELS_ISA</c> = scalar | advsimd | advsimd-dp | avx2 | avxvnni, or
/// <see cref="Force"/>) makes every family use that path if it has it, else the best path below it
/// on the same architecture, else Scalar; forcing an ISA the CPU cannot run is an error.
/// </para>
/// </summary>
public static class KernelTable
{
    public const string EnvironmentVariable = "AQD_KERNELS_ISA";

    private static KernelIsa? forced;
    private static bool environmentRead;

    /// <summary>
    /// The forced ISA, or null when each family takes its best supported path. The first read
    /// takes <c>AQD_KERNELS_ISA</c> into account; a bad value is an <see cref="ArgumentException"/>
    /// or <see cref="NotSupportedException"/> naming the variable (call this at start-up to
    /// validate it before any kernel is prepared).
    /// </summary>
    public static KernelIsa? Forced
    {
        get
        {
            if (!environmentRead)
            {
                forced = ReadEnvironment();
                environmentRead = true;
            }
            return forced;
        }
    }

    /// <summary>Forces (or with null, un-forces) an ISA for all later selections.</summary>
    /// <exception cref="NotSupportedException">The CPU cannot run <paramref name="isa"/>.</exception>
    public static void Force(KernelIsa? isa)
    {
        if (isa is { } value && !KernelIsaSupport.IsSupported(value))
        {
            throw new NotSupportedException(
                $"Kernel ISA '{KernelIsaSupport.Name(value)}' was forced but this CPU does not support it; " +
                $"available: {string.Join(", ", KernelIsaSupport.Available.Select(KernelIsaSupport.Name))}.");
        }
        forced = isa;
        environmentRead = true;
    }

    /// <summary>Picks the variant of a family to run, honouring <see cref="Forced"/>.</summary>
    public static T Select<T>(IReadOnlyList<T> variants) where T : IKernelVariant
    {
        T? best = default;
        int bestRank = -1;
        foreach (var v in variants)
        {
            if (!v.IsSupported)
            {
                continue;
            }
            int rank = Rank(v.Isa, Forced);
            if (rank > bestRank)
            {
                best = v;
                bestRank = rank;
            }
        }
        return best ?? throw new InvalidOperationException(
            $"Kernel family of {typeof(T).Name} has no supported variant (it must list a Scalar one).");
    }

    // Higher is preferred. With a forced ISA, only that ISA and the ones it implies qualify.
    private static int Rank(KernelIsa isa, KernelIsa? force)
    {
        if (force is { } f && !Implies(f, isa))
        {
            return -1;
        }
        return isa switch
        {
            KernelIsa.Scalar => 0,
            KernelIsa.AdvSimd or KernelIsa.Avx2 => 1,
            KernelIsa.AdvSimdDp or KernelIsa.AvxVnni => 2,
            _ => -1,
        };
    }

    // Whether code written for 'candidate' may run when 'forced' is requested.
    private static bool Implies(KernelIsa forced, KernelIsa candidate) => forced switch
    {
        KernelIsa.Scalar => candidate == KernelIsa.Scalar,
        KernelIsa.AdvSimd => candidate is KernelIsa.Scalar or KernelIsa.AdvSimd,
        KernelIsa.AdvSimdDp => candidate is KernelIsa.Scalar or KernelIsa.AdvSimd or KernelIsa.AdvSimdDp,
        KernelIsa.Avx2 => candidate is KernelIsa.Scalar or KernelIsa.Avx2,
        KernelIsa.AvxVnni => candidate is KernelIsa.Scalar or KernelIsa.Avx2 or KernelIsa.AvxVnni,
        _ => false,
    };

    private static KernelIsa? ReadEnvironment() => ParseSetting(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>Parses an ISA setting as <c>AQD_KERNELS_ISA</c> takes it (null/empty/auto: not forced).</summary>
    internal static KernelIsa? ParseSetting(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (!KernelIsaSupport.TryParse(text, out var isa))
        {
            throw new ArgumentException(
                $"{EnvironmentVariable}='{text}' is not a kernel ISA; use auto, scalar, advsimd, advsimd-dp, avx2 or avxvnni.");
        }
        if (!KernelIsaSupport.IsSupported(isa))
        {
            throw new NotSupportedException(
                $"{EnvironmentVariable}='{text}' names an ISA this CPU does not support; available: " +
                string.Join(", ", KernelIsaSupport.Available.Select(KernelIsaSupport.Name)) + ".");
        }
        return isa;
    }
}
