using System.Diagnostics;
using System.Text.Json;
using AQD.Edge.Worker.Cli;
using AQD.Edge.Worker.Tests.Support;
using SixLabors.ImageSharp;

namespace AQD.Edge.Worker.Tests.Integration;

/// <summary>
/// The NativeAOT linux-arm64 binary of publish.sh runs <c>detect</c> on bundled photos under
/// qemu-aarch64-static -cpu cortex-a72 (AdvSimd, no dot product) and prints the same detections
/// (labels, integer scores, pixel boxes) as the x64 build. The photos are given as PNG so both
/// sides decode identical pixels (JPEG decoders may differ by a level between ISA paths).
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class Arm64BinaryTests(Arm64Binary arm64) : IClassFixture<Arm64Binary>
{
    [Fact]
    public async Task Arm64_native_binary_under_qemu_detects_what_the_x64_build_detects()
    {
        string dir = TestPaths.NewTempDir("arm64");
        string png = Path.Combine(dir, "dog.png");
        using (var image = Image.Load(Path.Combine(TestPaths.Images, "dog.jpg"))) await image.SaveAsPngAsync(png, TestContext.Current.CancellationToken);
        string[] args = ["detect", png, Path.Combine(TestPaths.Images, "more", "chelsea.png"), $"--Detector:Model={TestPaths.Model}", "--Detector:Threads=1"];

        var x64 = new StringWriter();
        var x64Err = new StringWriter();
        Assert.Equal(WorkerCli.Ok, WorkerCli.Run(args, x64, x64Err));

        var psi = new ProcessStartInfo("qemu-aarch64-static", ["-cpu", "cortex-a72", "-L", Arm64Binary.LibraryRoot, arm64.Path, .. args]);
        psi.Environment["DOTNET_EnableWriteXorExecute"] = "0"; // not needed by NativeAOT, harmless
        var sw = Stopwatch.StartNew();
        var (code, output, error) = await WorkerProcess.RunAsync(psi, TimeSpan.FromMinutes(5));
        TestContext.Current.TestOutputHelper?.WriteLine($"arm64 ({arm64.Note.Split('\n')[0]}), {new FileInfo(arm64.Path).Length / 1024} KB, qemu cortex-a72 detect: {sw.Elapsed.TotalSeconds:0.0} s\n{output}\n{error}");
        Assert.True(code == 0, $"exit {code}: {error}");

        string expected = Detections(x64.ToString()), actual = Detections(output);
        TestContext.Current.TestOutputHelper?.WriteLine("x64:   " + expected + "\narm64: " + actual);
        Assert.Contains("label", expected, StringComparison.OrdinalIgnoreCase); // the photos have objects
        Assert.Equal(expected, actual);
        Directory.Delete(dir, true);
    }

    /// <summary>
    /// The trained low-bit digit detectors (4-bit under cortex-a72: AdvSimd without dot product; 2-bit
    /// under cortex-a76: with dot product) on the 8 bundled digit scenes (PNG): the same detections as
    /// the x64 build, and as many ground-truth digits found as DigitDemoDetectTests requires.
    /// </summary>
    [Theory]
    [InlineData(4, "cortex-a72", 12)]
    [InlineData(2, "cortex-a76", 10)]
    public async Task Arm64_native_binary_under_qemu_runs_the_digit_models_like_x64(int bits, string cpu, int minFound)
    {
        string[] args = ["detect", DigitDemo.Images, $"--Detector:Model={DigitDemo.Model("fcos", bits)}", "--Detector:Threads=1"];
        var x64 = new StringWriter();
        var x64Err = new StringWriter();
        Assert.Equal(WorkerCli.Ok, WorkerCli.Run(args, x64, x64Err));

        var psi = new ProcessStartInfo("qemu-aarch64-static", ["-cpu", cpu, "-L", Arm64Binary.LibraryRoot, arm64.Path, .. args]);
        var sw = Stopwatch.StartNew();
        var (code, output, error) = await WorkerProcess.RunAsync(psi, TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"exit {code}: {error}");
        var match = DigitDemo.Evaluate(output, DigitDemo.ReadGroundTruth());
        TestContext.Current.TestOutputHelper?.WriteLine($"arm64 qemu {cpu} aqd-fcos-digits-m{bits}: {sw.Elapsed.TotalSeconds:0.0} s, {match}");
        Assert.Equal(Detections(x64.ToString()), Detections(output));
        Assert.True(match.Found >= minFound, $"m{bits} on {cpu}: {match}");
    }

    /// <summary>The per-image detections of detect's output (DetectionJson: an array of image documents).</summary>
    private static string Detections(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return string.Join("\n", doc.RootElement.EnumerateArray()
            .Select(i => Prop(i, "image").GetString() + ": " + Prop(i, "detections").GetRawText()));
    }

    // Property names compared without case (DetectionJson's naming policy is its own business).
    private static JsonElement Prop(JsonElement e, string name) =>
        e.EnumerateObject().First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
}
