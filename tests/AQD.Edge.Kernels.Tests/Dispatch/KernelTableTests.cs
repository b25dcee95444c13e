using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Requantize;

namespace AQD.Edge.Kernels.Tests.Dispatch;

[Collection(nameof(KernelTableTests))] // Force is process-wide
public class KernelTableTests
{
    [Fact]
    public void PicksTheBestSupportedVariantAndHonoursForcing()
    {
        var best = KernelTable.Select(RequantizeStore.Variants);
        Assert.True(best.IsSupported);
        var before = KernelTable.Forced;
        try
        {
            KernelTable.Force(KernelIsa.Scalar);
            Assert.Equal(KernelIsa.Scalar, KernelTable.Select(RequantizeStore.Variants).Isa);
            foreach (var isa in KernelIsaSupport.Available)
            {
                KernelTable.Force(isa);
                var chosen = KernelTable.Select(RequantizeStore.Variants);
                Assert.True(chosen.IsSupported);
                Assert.True(chosen.Isa == KernelIsa.Scalar || chosen.Isa <= isa, $"forced {isa}, got {chosen.Isa}");
            }
        }
        finally
        {
            KernelTable.Force(before);
        }
    }

    [Fact]
    public void ForcingAnUnsupportedIsaIsAClearError()
    {
        var missing = Enum.GetValues<KernelIsa>().Where(i => !KernelIsaSupport.IsSupported(i)).ToArray();
        Assert.NotEmpty(missing); // no CPU has both ARM and x86 paths
        var e = Assert.Throws<NotSupportedException>(() => KernelTable.Force(missing[0]));
        Assert.Contains(KernelIsaSupport.Name(missing[0]), e.Message);
    }

    [Fact]
    public void IsaNamesParse()
    {
        foreach (var isa in Enum.GetValues<KernelIsa>())
        {
            Assert.True(KernelIsaSupport.TryParse(KernelIsaSupport.Name(isa).ToUpperInvariant(), out var parsed));
            Assert.Equal(isa, parsed);
        }
        Assert.False(KernelIsaSupport.TryParse("sse9", out _));
    }
}

public class KernelIsaSettingTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" auto ")]
    public void EmptyOrAutoForcesNothing(string? text) => Assert.Null(KernelTable.ParseSetting(text));

    [Fact]
    public void ScalarCanAlwaysBeForced() => Assert.Equal(KernelIsa.Scalar, KernelTable.ParseSetting("Scalar"));

    [Fact]
    public void UnknownNameIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => KernelTable.ParseSetting("neon9"));
        Assert.Contains(KernelTable.EnvironmentVariable, e.Message);
        Assert.Contains("neon9", e.Message);
    }

    [Fact]
    public void UnsupportedIsaIsAClearError()
    {
        var missing = Enum.GetValues<KernelIsa>().First(i => !KernelIsaSupport.IsSupported(i));
        var e = Assert.Throws<NotSupportedException>(() => KernelTable.ParseSetting(KernelIsaSupport.Name(missing)));
        Assert.Contains(KernelTable.EnvironmentVariable, e.Message);
    }
}
