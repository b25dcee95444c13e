using System.Text;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.Model.Tests;

public class MetadataTests
{
    private static string DetectorJson => Encoding.UTF8.GetString(ModelMetadataJson.Serialize(BlobSamples.DetectorMetadata()));

    private static BlobFormatException OpenFails(string json)
    {
        var blob = ValidationTests.WithRawMetadata(json);
        var e = Assert.Throws<BlobFormatException>(() => BlobReader.Open(blob, "meta.aqd"));
        Assert.Equal("section[1] META", e.Section);
        long metaOffset = BlobPatch.Range(blob, 1).Offset;
        Assert.InRange(e.ByteOffset, metaOffset, metaOffset + json.Length);
        return e;
    }

    [Theory]
    [InlineData("\"width\":416", "\"width\":0", "$.input.width", "0 is outside [1, 16384]")]
    [InlineData("\"schemaVersion\":1", "\"schemaVersion\":2", "$.schemaVersion", "schema version 2")]
    [InlineData("\"numClasses\":8", "\"numClasses\":9", "$.detector.numClasses", "9 classes but 8 labels")]
    [InlineData("\"sha256\":\"aaaa", "\"sha256\":\"AAAA", "$.source.sha256", "lowercase hex")]
    [InlineData("\"M4F8L8\"", "\"M5F8L8\"", "$.bitPolicy.shorthand", "M5F8L8")]
    [InlineData("\"regMax\":7", "\"regMax\":0", "$.detector.regMax", "outside [1, 64]")]
    [InlineData("\"padValue\":[114,114,114]", "\"padValue\":[114,114]", "$.preprocessing.padValue", "2 values; 3 expected")]
    [InlineData("\"meanMilli\":[103530,", "\"meanMilli\":[-1,", "$.preprocessing.meanMilli[0]", "-1 is outside")]
    [InlineData("\"stdMilli\":[57375,", "\"stdMilli\":[0,", "$.preprocessing.stdMilli[0]", "0 is outside")]
    [InlineData("\"family\":\"nanodet\"", "\"family\":\"yolo\"", "$.detector.family", "'yolo' is not one of")]
    [InlineData("\"colorOrder\":\"BGR\"", "\"colorOrder\":\"GRAY\"", "$.preprocessing.colorOrder", "does not fit an input of 3 channels")]
    [InlineData("\"person\"", "\"per\\u0001son\"", "$.labels[0]", "control characters")]
    [InlineData("\"labels\":[", "\"labels\":[null,", "$.labels[0]", "must be a string")]
    [InlineData("\"weightBits\":8,\"activationBits\":8}]", "\"weightBits\":5,\"activationBits\":8}]", "$.bitPolicy.layers[0].weightBits", "5 is not one of")]
    public void RuleViolationsNameTheJsonPath(string find, string replace, string path, string says)
    {
        string json = DetectorJson;
        Assert.Contains(find, json);
        var e = OpenFails(json.Replace(find, replace));
        Assert.Equal(path, e.Field);
        Assert.Contains(says, e.Problem);
        Assert.IsType<ModelMetadataException>(e.InnerException);
    }

    [Theory]
    [InlineData("\"width\":416", "\"width\":\"416\"", "$.input.width")]
    [InlineData("\"width\":416", "\"width\":416.5", "$.input.width")]
    [InlineData("\"width\":416", "\"width\":4160000000000", "$.input.width")]
    [InlineData("\"width\":416", "\"width\":null", "$.input.width")]
    [InlineData("\"name\":\"nanodet-g-416\"", "\"name\":null", "$.name")]
    [InlineData("\"height\":416", "\"height\":416,\"height\":416", "$.input.height")]
    [InlineData("\"strides\":[8,16,32]", "\"strides\":{}", "$.detector.strides")]
    public void ParseErrorsNameTheJsonPathAndPosition(string find, string replace, string path)
    {
        string json = DetectorJson.Replace(find, replace);
        var e = OpenFails(json);
        Assert.Equal(path, e.Field);
        Assert.IsType<System.Text.Json.JsonException>(e.InnerException!.InnerException);
        // The position points at or right after the offending value.
        var blob = ValidationTests.WithRawMetadata(json);
        long rel = e.ByteOffset - BlobPatch.Range(blob, 1).Offset;
        int at = json.IndexOf(replace, StringComparison.Ordinal);
        Assert.InRange(rel, at, at + replace.Length + 1);
    }

    [Theory]
    [InlineData("", "$")]
    [InlineData("null", "$")]
    [InlineData("[]", "$")]
    [InlineData("{\"schemaVersion\":1}", "$")]
    [InlineData("{\"schemaVersion\":1,} ", "$")]
    [InlineData("\u00ff\u00fe", "$")]
    public void NonObjectsAndMissingMembersAreRefused(string json, string path)
    {
        var e = OpenFails(json);
        Assert.StartsWith(path, e.Field);
    }

    [Fact]
    public void MissingRequiredMemberIsNamed()
    {
        var e = OpenFails(DetectorJson.Replace("\"tool\":", "\"tool_\":"));
        Assert.Contains("tool", e.Problem);
    }

    [Fact]
    public void UnknownMembersAreIgnoredAndIndentedJsonIsRead()
    {
        string json = DetectorJson.Replace("\"name\":", "\"futureField\":{\"x\":[1,2]},\n  \"name\":");
        var r = BlobReader.Open(ValidationTests.WithRawMetadata(json), "m");
        Assert.Equal("nanodet-g-416", r.Metadata.Name);

        // Error position on a later line is absolute.
        string multi = json.Replace("\"width\":416", "\n\n\"width\":true");
        var e = OpenFails(multi);
        Assert.Equal("$.input.width", e.Field);
    }

    [Fact]
    public void WriterValidatesBeforeWriting()
    {
        var m = BlobSamples.FeaturizerMetadata();
        var bad = new ModelMetadata
        {
            SchemaVersion = 1, Name = m.Name, Labels = m.Labels, Input = m.Input, Preprocessing = m.Preprocessing,
            Detector = new DetectorSpec { Family = "featurizer", NumClasses = 0, Strides = [8] },
            BitPolicy = m.BitPolicy, Source = m.Source, Tool = m.Tool,
        };
        var e = Assert.Throws<ModelMetadataException>(() => new BlobWriter().AddMetadata(bad));
        Assert.Equal("$.detector", e.JsonPath);
        Assert.Contains("decode parameters", e.Message);
    }

    [Fact]
    public void RetinaNetAndClassifierMetadataRoundTrip()
    {
        var m = BlobSamples.DetectorMetadata();
        var retina = new ModelMetadata
        {
            SchemaVersion = 1, Name = "retinanet-r18", Labels = m.Labels, Input = m.Input, Preprocessing = m.Preprocessing,
            Detector = new DetectorSpec
            {
                Family = "retinanet", NumClasses = 8, Strides = [8, 16, 32, 64, 128], ScoreThresholdPermille = 50,
                IouThresholdPermille = 500, MaxDetections = 100, AnchorSizes = [32, 64, 128, 256, 512],
                AnchorRatiosPermille = [500, 1000, 2000], AnchorScalesPermille = [1000, 1260, 1587],
            },
            BitPolicy = new BitPolicySpec { Shorthand = "M2F8L8", WeightBits = 2, ActivationBits = 2 },
            Source = m.Source, Tool = m.Tool,
        };
        var w = new BlobWriter();
        w.AddMetadata(retina);
        var r = BlobReader.Open(w.ToArray(), "r");
        Assert.Equal([1000, 1260, 1587], r.Metadata.Detector.AnchorScalesPermille!);
        Assert.Equal(ModelMetadataJson.Serialize(retina), ModelMetadataJson.Serialize(r.Metadata));
    }
}
