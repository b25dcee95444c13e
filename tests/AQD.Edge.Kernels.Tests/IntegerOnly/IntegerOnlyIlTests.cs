using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Kernels.Tests.IntegerOnly;

/// <summary>
/// Hard rule 1: no floating point anywhere in AQD.Edge.Kernels outside AQD.Edge.Kernels.Preparation.
/// Fails with one line per violation: <c>Type.Method: opcode at IL_xxxx</c>, or the local, field or
/// signature that mentions a floating-point type.
/// </summary>
public class IntegerOnlyIlTests(ITestOutputHelper output)
{
    public const string PreparationNamespace = "AQD.Edge.Kernels.Preparation";

    [Fact]
    public void KernelsAssemblyIsIntegerOnlyOutsidePreparation()
    {
        string path = typeof(KernelTable).Assembly.Location;
        Assert.False(string.IsNullOrEmpty(path), "AQD.Edge.Kernels has no file location (single-file publish?); the IL scan needs the .dll.");

        var result = FloatIlScanner.Scan(path, FloatIlScanner.NamespaceScope(null, PreparationNamespace));

        TestReport.Write(output,
        [
            result.Summary,
            $"AQD-ILSCAN excluded ({PreparationNamespace}): {string.Join(", ", result.ExcludedTypes)}",
            .. result.Violations.Select(v => "AQD-ILSCAN violation: " + v),
        ]);

        Assert.Contains(result.ScannedTypes, t => t == typeof(KernelTable).FullName);
        Assert.True(result.Bodies > 0 && result.Instructions > 0, "The scan decoded no IL at all.");
        Assert.All(result.ExcludedTypes, t => Assert.StartsWith(PreparationNamespace + ".", t));
        Assert.True(result.Violations.Count == 0,
            $"Floating point outside {PreparationNamespace} ({result.Violations.Count}):" + Environment.NewLine +
            string.Join(Environment.NewLine, result.Violations));
    }
}
