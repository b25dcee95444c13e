using System.Text.Json;
using AQD.Edge.Aqd;
using AQD.Edge.Detection;
using AQD.Edge.Worker.Cli;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Cli;

/// <summary>
/// Contract C2: <c>aqd-edge detect</c> on an AQD blob written by AqdBlobWriter (a narrow FCOS-R18,
/// 128x128, random weights calibrated on dog.jpg, COCO labels): JSON with the blob's labels, the same
/// detections as Detector.DetectImage on the photo.
/// </summary>
public sealed class AqdModelDetectTests
{
    [Fact]
    public void Detect_prints_the_AQD_blobs_detections_as_JSON()
    {
        string dir = TestPaths.NewTempDir("aqd");
        try
        {
            var options = new AqdModelOptions { Family = AqdFamily.Fcos, InputWidth = 128, InputHeight = 128, BackboneWidth = 8, FpnChannels = 16, Seed = 21 };
            var net = AqdNetworkBuilder.Build(options, AqdImages.LoadBgr(Path.Combine(TestPaths.Images, "dog.jpg"), 128, 128));
            string model = Path.Combine(dir, "fcos.aqd");
            File.WriteAllBytes(model, AqdBlobWriter.Write(net, resize: "letterbox"));
            string photo = Path.Combine(TestPaths.Images, "person.jpg");

            var output = new StringWriter();
            var error = new StringWriter();
            int code = WorkerCli.Run(["detect", $"--Detector:Model={model}", "--Detector:ScoreThresholdPermille=600", photo], output, error);
            Assert.True(code == WorkerCli.Ok, error.ToString());

            using var detector = Detector.Open(model, new DetectorOptions { ScoreThresholdPermille = 600 });
            var want = detector.DetectImage(photo).ToArray();
            Assert.True(want.Length >= 3, $"{want.Length} detections: the comparison would check little");
            using var json = JsonDocument.Parse(output.ToString());
            var doc = json.RootElement[0];
            Assert.Equal("person.jpg", doc.GetProperty("image").GetString());
            Assert.Equal(640, doc.GetProperty("width").GetInt32());
            var got = doc.GetProperty("detections").EnumerateArray().ToArray();
            Assert.Equal(want.Length, got.Length);
            for (int i = 0; i < want.Length; i++)
            {
                Assert.Equal(want[i].Label, got[i].GetProperty("label").GetString());
                Assert.Contains(want[i].Label, CocoLabels.Names);
                Assert.Equal(want[i].ClassId, got[i].GetProperty("classId").GetInt32());
                Assert.Equal([want[i].X1, want[i].Y1, want[i].X2, want[i].Y2], got[i].GetProperty("box").EnumerateArray().Select(v => v.GetInt32()));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
