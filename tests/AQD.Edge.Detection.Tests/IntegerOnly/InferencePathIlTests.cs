using AQD.Edge.Engine;
using AQD.Edge.Kernels.Tests.IntegerOnly;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Detection.Tests.IntegerOnly;

/// <summary>
/// Rule 2 beyond the kernels: the rest of the device's inference path, from uint8 pixels to detection
/// boxes, has no floating point either. The engine and the blob reader are scanned whole; of the
/// Detection library, everything but the output formatting that runs after detection (JSON scores,
/// drawing of annotated images) is scanned. The kernels themselves are scanned by
/// AQD.Edge.Kernels.Tests (IntegerOnlyIlTests, Preparation namespace excluded there).
/// </summary>
public class InferencePathIlTests(ITestOutputHelper output)
{
    /// <summary>Types of AQD.Edge.Detection outside the inference path (they format or draw finished detections).</summary>
    private static readonly string[] AfterDetection =
    [
        "AQD.Edge.Detection.DetectionJson", "AQD.Edge.Detection.DetectionJsonItem", "AQD.Edge.Detection.DetectionJsonContext",
        "AQD.Edge.Detection.DetectionRenderer", "AQD.Edge.Detection.TinyFont",
    ];

    public static TheoryData<string> Assemblies => new() { "engine", "model", "detection" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void InferencePathAssemblyIsIntegerOnly(string which)
    {
        var assembly = which switch
        {
            "engine" => typeof(InferenceEngine).Assembly,
            "model" => typeof(BlobReader).Assembly,
            _ => typeof(Detector).Assembly,
        };
        var result = FloatIlScanner.Scan(assembly.Location, _ => true);
        bool Allowed(IlViolation v) => which == "detection" && AfterDetection.Any(t => v.Type == t || v.Type.StartsWith(t + "+", StringComparison.Ordinal));
        var violations = result.Violations.Where(v => !Allowed(v)).ToList();
        var allowed = result.Violations.Where(Allowed).Select(v => v.Type).Distinct().ToList();

        output.WriteLine(result.Summary);
        output.WriteLine($"AQD-ILSCAN allowed after detection ({allowed.Count} types): {string.Join(", ", allowed)}");
        foreach (var v in violations)
        {
            output.WriteLine("AQD-ILSCAN violation: " + v);
        }

        Assert.True(result.Bodies > 0 && result.Instructions > 0, "The scan decoded no IL at all.");
        if (which == "detection")
        {
            Assert.Contains(typeof(Detector).FullName!, result.ScannedTypes);
        }
        Assert.True(violations.Count == 0,
            $"Floating point on the inference path in {result.Assembly} ({violations.Count}):" + Environment.NewLine +
            string.Join(Environment.NewLine, violations));
    }
}
