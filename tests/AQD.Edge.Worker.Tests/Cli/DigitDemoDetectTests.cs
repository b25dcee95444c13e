using AQD.Edge.Worker.Cli;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Cli;

/// <summary>
/// The bundled trained low-bit digit detectors (AQD FCOS-R18 at M4F8L8 and M2F8L8, RetinaNet-R18 at
/// M4F8L8: app/models/README.md) through <c>aqd-edge detect</c> with the blobs' own score threshold
/// (400 ‰, packed in by pack-digits-demo.sh; for FCOS it applies to the class probability, the printed
/// score is that times centerness: app/models/README.md) on the 8 bundled demo scenes (23 digits,
/// app/demo/digits): every printed detection counts, and they must find enough ground-truth digits with
/// the right label at IoU &gt;= 0.5, with few false positives (duplicates count as false). Measured with
/// the committed blobs: FCOS 4-bit 14/23 found, 2 false positives; FCOS 2-bit 13/23, 5; RetinaNet 4-bit
/// 14/23, 4. The floors leave a margin of two to three digits and a few false positives; a wrong
/// preprocessing, decode, anchor convention or label order finds almost none.
/// </summary>
public sealed class DigitDemoDetectTests
{
    [Theory]
    [InlineData("fcos", 4, 12, 4)]
    [InlineData("fcos", 2, 10, 8)]
    [InlineData("retinanet", 4, 11, 7)]
    public void Bundled_digit_model_finds_the_demo_digits(string family, int bits, int minFound, int maxFalsePositives)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = WorkerCli.Run(["detect", $"--Detector:Model={DigitDemo.Model(family, bits)}", "--Detector:Threads=1", DigitDemo.Images], output, error);
        Assert.True(code == WorkerCli.Ok, error.ToString());

        var match = DigitDemo.Evaluate(output.ToString(), DigitDemo.ReadGroundTruth());
        TestContext.Current.TestOutputHelper?.WriteLine($"aqd-{family}-digits-m{bits}: {match}");
        Assert.Equal(23, match.Truth);
        Assert.True(match.Found >= minFound, $"{family} m{bits}: {match}; expected at least {minFound} found");
        Assert.True(match.FalsePositives <= maxFalsePositives, $"{family} m{bits}: {match}; expected at most {maxFalsePositives} false positives");
    }
}
