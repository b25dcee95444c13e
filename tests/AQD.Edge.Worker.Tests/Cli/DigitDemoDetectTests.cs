using AQD.Edge.Worker.Cli;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Cli;

/// <summary>
/// The bundled trained low-bit digit detectors (AQD FCOS-R18 M4F8L8 and M2F8L8, app/models/README.md)
/// through <c>aqd-edge detect</c> with the blobs' own score threshold (400 ‰, packed in by
/// pack-digits-demo.sh; for FCOS it applies to the class probability, the printed score is that times
/// centerness: app/models/README.md) on the 8
/// bundled demo scenes (23 digits, app/demo/digits): every printed detection counts, and they must find
/// enough ground-truth digits with the right label at IoU &gt;= 0.5, with few false positives (duplicates
/// count as false). Measured with the committed blobs: 4-bit 9/23 found, 4 false positives; 2-bit 10/23,
/// 5. The floors leave a margin of two to three digits and about five false positives; a wrong
/// preprocessing, decode or label order finds almost none.
/// </summary>
public sealed class DigitDemoDetectTests
{
    [Theory]
    [InlineData(4, 7, 9)]
    [InlineData(2, 7, 10)]
    public void Bundled_digit_model_finds_the_demo_digits(int bits, int minFound, int maxFalsePositives)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = WorkerCli.Run(["detect", $"--Detector:Model={DigitDemo.Model(bits)}", "--Detector:Threads=1", DigitDemo.Images], output, error);
        Assert.True(code == WorkerCli.Ok, error.ToString());

        var match = DigitDemo.Evaluate(output.ToString(), DigitDemo.ReadGroundTruth());
        TestContext.Current.TestOutputHelper?.WriteLine($"aqd-fcos-digits-m{bits}: {match}");
        Assert.Equal(23, match.Truth);
        Assert.True(match.Found >= minFound, $"m{bits}: {match}; expected at least {minFound} found");
        Assert.True(match.FalsePositives <= maxFalsePositives, $"m{bits}: {match}; expected at most {maxFalsePositives} false positives");
    }
}
