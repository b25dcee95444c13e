using System.Runtime.InteropServices;
using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Kernels.Tests.Dispatch;

/// <summary>
/// Writes which ISA paths this CPU has, and for every registered kernel family which variants it
/// has, which of them this CPU supports and which one <see cref="KernelTable"/> selects:
/// <c>AQD-VARIANTS cpu=... isa=... selected: family=variant, ...</c> plus one
/// <c>AQD-FAMILY</c> line per family. tests/run-all.sh prints these lines for each CPU it runs on.
/// </summary>
public class KernelVariantReportTests(ITestOutputHelper output)
{
    /// <summary>Label for the CPU (run-all.sh passes the qemu -cpu model); the architecture otherwise.</summary>
    public const string CpuLabelVariable = "AQD_CPU_LABEL";

    [Fact]
    public void ReportsSelectedVariantOfEveryFamily()
    {
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string? label = Environment.GetEnvironmentVariable(CpuLabelVariable);
        string cpu = string.IsNullOrWhiteSpace(label) ? arch : $"{arch}/{label.Trim()}";
        string isa = string.Join("+", KernelIsaSupport.Available.Select(KernelIsaSupport.Name));
        string forced = KernelTable.Forced is { } f ? $" forced={KernelIsaSupport.Name(f)}" : "";

        var selected = new List<string>();
        var familyLines = new List<string>();
        foreach (var family in KernelFamilies.All)
        {
            var chosen = KernelFamilies.Selected(family);
            selected.Add($"{family.Name}={chosen.Name}");
            var variants = family.Variants.Select(v =>
                $"{v.Name}[{KernelIsaSupport.Name(v.Isa)}{(v.IsSupported ? "" : ",unsupported")}{(ReferenceEquals(v, chosen) ? ",selected" : "")}]");
            familyLines.Add($"AQD-FAMILY {family.Name}: {string.Join(" ", variants)}");
        }
        string summary = selected.Count == 0 ? "(no kernel families registered)" : string.Join(", ", selected);

        TestReport.Write(output, [$"AQD-VARIANTS cpu={cpu} isa={isa}{forced} selected: {summary}", .. familyLines]);

        Assert.All(KernelFamilies.All, family =>
        {
            Assert.False(string.IsNullOrWhiteSpace(family.Name));
            Assert.Contains(family.Variants, v => v.Isa == KernelIsa.Scalar);
            Assert.True(KernelFamilies.Selected(family).IsSupported);
        });
        Assert.Equal(KernelFamilies.All.Count, KernelFamilies.All.Select(f => f.Name).Distinct().Count());
    }
}
