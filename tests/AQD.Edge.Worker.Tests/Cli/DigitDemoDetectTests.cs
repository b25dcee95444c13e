using AQD.Edge.Worker.Cli;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Cli;

/// <summary>
/// The bundled trained low-bit digit detectors (AQD FCOS-R18 M4F8L8 and M2F8L8, app/models/README.md)
/// through <c>aqd-edge detect</c> on the 8 bundled demo scenes (23 digits, app/demo/digits): the
/// detections at score &gt;= 0.2 (the demo's threshold) must find enough ground-truth digits with the
/// right label at IoU &gt;= 0.5, with few false positives. Measured with the committed blobs: 4-bit 12/23
/// found, 7 false positives; 2-bit 11/23, 6. Floors below leave a margin of three digits; a wrong
/// preprocessing, decode or label order finds almost none.
/// </summary>
public sealed class DigitDemoDetectTests
{
    [Theory]
    [InlineData(4, 9, 14)]
    [InlineData(2, 8, 14)]
    public void Bundled_digit_model_finds_the_demo_digits(int bits, int minFound, int maxFalsePositives)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = WorkerCli.Run(["detect", $"--Detector:Model={DigitDemo.Model(bits)}", "--Detector:ScoreThresholdPermille=200", "--Detector:Threads=1", DigitDemo.Images], output, error);
        Assert.True(code == WorkerCli.Ok, error.ToString());

        var match = DigitDemo.Evaluate(output.ToString(), DigitDemo.ReadGroundTruth(), minScore: 0.2);
        TestContext.Current.TestOutputHelper?.WriteLine($"aqd-fcos-digits-m{bits}: {match}");
        Assert.Equal(23, match.Truth);
        Assert.True(match.Found >= minFound, $"m{bits}: {match}; expected at least {minFound} found");
        Assert.True(match.FalsePositives <= maxFalsePositives, $"m{bits}: {match}; expected at most {maxFalsePositives} false positives");
    }
}
