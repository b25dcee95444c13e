namespace AQD.Edge.Kernels.Dispatch;

/// <summary>
/// One implementation of a kernel family for one ISA path. A family lists its variants (the scalar
/// twin always among them); <see cref="KernelTable"/> picks one per family.
/// </summary>
public interface IKernelVariant
{
    /// <summary>Microkernel name in the project's grammar, e.g. <c>Qu8Qs8Conv4x8c4Avx2Vnni</c>.</summary>
    string Name { get; }

    KernelIsa Isa { get; }
}

/// <summary>Members every kernel variant has through its ISA.</summary>
public static class KernelVariantExtensions
{
    extension(IKernelVariant variant)
    {
        /// <summary>Whether the running CPU can execute this variant.</summary>
        public bool IsSupported => KernelIsaSupport.IsSupported(variant.Isa);
    }
}

/// <summary>Base of the variant classes: a name in the microkernel grammar and the ISA it needs.</summary>
public abstract class KernelVariant(string name, KernelIsa isa) : IKernelVariant
{
    public string Name { get; } = name;

    public KernelIsa Isa { get; } = isa;

    public override string ToString() => Name;
}
