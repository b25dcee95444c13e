using System.Reflection;
using System.Reflection.Emit;
using AQD.Edge.Kernels.Tests.IntegerOnly.Samples;
using AQD.Edge.Kernels.Tests.IntegerOnly.Samples.Preparation;

namespace AQD.Edge.Kernels.Tests.IntegerOnly;

/// <summary>
/// The IL scanner must detect what it is there to detect: pointed at the Samples namespace of this
/// test assembly, it reports every floating-point use in <see cref="FloatSample"/> (including its
/// lambdas, closure and local function), nothing in <see cref="IntegerSample"/>, and excludes the
/// Samples.Preparation namespace.
/// </summary>
public class FloatIlScannerSelfTests(ITestOutputHelper output)
{
    private const string SamplesNamespace = "AQD.Edge.Kernels.Tests.IntegerOnly.Samples";

    private static readonly string FloatType = typeof(FloatSample).FullName!;

    private static IlScanResult ScanSamples() => FloatIlScanner.Scan(
        typeof(FloatSample).Assembly.Location,
        FloatIlScanner.NamespaceScope(SamplesNamespace, SamplesNamespace + ".Preparation"));

    [Fact]
    public void ReportsEveryKindOfFloatingPointUse()
    {
        var result = ScanSamples();
        TestReport.Write(output, [result.Summary.Replace("AQD-ILSCAN", "AQD-ILSCAN self-test"), .. result.Violations.Select(v => "  " + v)]);

        void Expect(string typeName, string member, string what)
        {
            Assert.True(
                result.Violations.Any(v => v.Type == typeName && v.Member == member && v.What.Contains(what, StringComparison.Ordinal)),
                $"Expected a violation '{what}' in {typeName}.{member}; found:{Environment.NewLine}{string.Join(Environment.NewLine, result.Violations)}");
        }

        Expect(FloatType, "gain", "field of type float");
        Expect(FloatType, ".cctor", "ldc.r4");
        Expect(FloatType, "Scale", "conv.r4");
        Expect(FloatType, "Scale", "ldc.r4");
        Expect(FloatType, "Widen", "signature");
        Expect(FloatType, "Widen", "conv.r8");
        Expect(FloatType, "Sum", "signature (float[])");
        Expect(FloatType, "Sum", "local");
        Expect(FloatType, "Sum", "ldelem.r4");
        Expect(FloatType, "Root", "System.Math.Sqrt(double) -> double");
        Expect(FloatType, "Store", "stind.r8");
        Expect(FloatType, "Store", "ldc.r8");
        Expect(FloatType, "Unsigned", "conv.r.un");
        Expect(FloatType, "Lanes", "System.Runtime.Intrinsics.Vector128`1<float>.get_Count");
        Expect(FloatType, "AfterSwitch", "ldc.r8");

        // Lambdas and closures live in compiler-generated nested types; local functions are methods
        // with generated names. All of them must be attributed to (and reported in) FloatSample.
        Assert.Contains(result.Violations, v => v.Type == FloatType + "+<>c" && v.What == "ldc.r8");
        Assert.Contains(result.Violations, v => v.Type.StartsWith(FloatType + "+<>c__DisplayClass", StringComparison.Ordinal) && v.What == "conv.r8");
        Assert.Contains(result.Violations, v => v.Type == FloatType && v.Member.Contains("g__Half", StringComparison.Ordinal) && v.What == "ldc.r8");

        Assert.DoesNotContain(result.Violations, v => v.Type.StartsWith(typeof(IntegerSample).FullName!, StringComparison.Ordinal));
        Assert.Contains(typeof(IntegerSample).FullName!, result.ScannedTypes);
    }

    [Fact]
    public void ExcludesPreparationNamespaceAndEverythingOutsideTheRoot()
    {
        var result = ScanSamples();
        string allowed = typeof(AllowedFloatSample).FullName!;

        Assert.Contains(allowed, result.ExcludedTypes);
        Assert.Contains(allowed + "+<>c", result.ExcludedTypes);
        Assert.DoesNotContain(result.Violations, v => v.Type.StartsWith(allowed, StringComparison.Ordinal));
        Assert.DoesNotContain(result.Violations, v => !v.Type.StartsWith(SamplesNamespace + ".", StringComparison.Ordinal));
        // This very class is outside the Samples root: excluded, not scanned.
        Assert.Contains(typeof(FloatIlScannerSelfTests).FullName!, result.ExcludedTypes);

        Assert.True(FloatIlScanner.IsWithin("AQD.Edge.Kernels.Preparation.Calibration", "AQD.Edge.Kernels.Preparation"));
        Assert.False(FloatIlScanner.IsWithin("AQD.Edge.Kernels.PreparationX", "AQD.Edge.Kernels.Preparation"));
    }

    [Fact]
    public void ReportedOffsetsPointAtTheReportedOpcodes()
    {
        // Cross-check the decoder against reflection's raw IL: each opcode violation's offset must
        // hold that opcode's byte, which fails if operands or switch tables were mis-sized.
        var opcodeBytes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .Where(op => op.Size == 1)
            .ToDictionary(op => op.Name!, op => unchecked((byte)op.Value));
        var assembly = typeof(FloatSample).Assembly;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

        var checkedCount = 0;
        foreach (var v in ScanSamples().Violations.Where(v => v.Offset is not null && opcodeBytes.ContainsKey(v.What)))
        {
            var type = assembly.GetType(v.Type) ?? throw new InvalidOperationException($"Type {v.Type} not found by reflection.");
            var bodies = type.GetMembers(all).OfType<MethodBase>().Where(m => m.Name == v.Member)
                .Select(m => m.GetMethodBody()?.GetILAsByteArray()).OfType<byte[]>().ToArray();
            Assert.True(bodies.Any(il => v.Offset!.Value < il.Length && il[v.Offset.Value] == opcodeBytes[v.What]),
                $"{v}: the IL at that offset is not {v.What}.");
            checkedCount++;
        }
        Assert.True(checkedCount >= 15, $"Only {checkedCount} opcode violations were cross-checked.");
    }
}
