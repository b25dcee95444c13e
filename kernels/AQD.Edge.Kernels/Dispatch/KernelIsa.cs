using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace AQD.Edge.Kernels.Dispatch;

/// <summary>
/// Instruction-set paths a kernel variant can be written for. Scalar is the plain reference twin
/// and exists for every kernel; the others are optional per family.
/// </summary>
public enum KernelIsa
{
    /// <summary>Plain loops, no intrinsics: the reference every other variant must equal bit for bit.</summary>
    Scalar = 0,
    /// <summary>ARM64 NEON (AdvSimd, AdvSimd.Arm64). Cortex-A72 and later.</summary>
    AdvSimd = 1,
    /// <summary>ARM64 NEON plus the dot-product extension (SDOT/UDOT). Cortex-A76, A78, Orin.</summary>
    AdvSimdDp = 2,
    /// <summary>x86-64 AVX2.</summary>
    Avx2 = 3,
    /// <summary>x86-64 AVX2 plus AVX-VNNI (256-bit VPDPBUSD).</summary>
    AvxVnni = 4,
}

/// <summary>What the running CPU supports, read once from the runtime's intrinsics flags.</summary>
public static class KernelIsaSupport
{
    public static bool IsSupported(KernelIsa isa) => isa switch
    {
        KernelIsa.Scalar => true,
        KernelIsa.AdvSimd => AdvSimd.Arm64.IsSupported,
        KernelIsa.AdvSimdDp => AdvSimd.Arm64.IsSupported && Dp.IsSupported,
        KernelIsa.Avx2 => Avx2.IsSupported,
        KernelIsa.AvxVnni => Avx2.IsSupported && AvxVnni.IsSupported,
        _ => false,
    };

    /// <summary>All ISA paths this CPU can run, best last.</summary>
    public static IReadOnlyList<KernelIsa> Available { get; } =
        Enum.GetValues<KernelIsa>().Where(IsSupported).ToArray();

    /// <summary>Canonical lower-case names used by AQD_KERNELS_ISA and the CLI option.</summary>
    public static string Name(KernelIsa isa) => isa switch
    {
        KernelIsa.Scalar => "scalar",
        KernelIsa.AdvSimd => "advsimd",
        KernelIsa.AdvSimdDp => "advsimd-dp",
        KernelIsa.Avx2 => "avx2",
        KernelIsa.AvxVnni => "avxvnni",
        _ => "unknown",
    };

    public static bool TryParse(string? text, out KernelIsa isa)
    {
        foreach (var candidate in Enum.GetValues<KernelIsa>())
        {
            if (string.Equals(Name(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                isa = candidate;
                return true;
            }
        }
        isa = KernelIsa.Scalar;
        return false;
    }
}
