using AQD.Edge.Kernels.Conv;
using AQD.Edge.Kernels.Depthwise;
using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Metadata;

namespace AQD.Edge.Model.Tests;

/// <summary>Valid metadata and blobs with real-ish content (packed depthwise weights from the kernels library).</summary>
internal static class BlobSamples
{
    public static readonly string[] CocoLabels = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck"];

    public static ModelMetadata DetectorMetadata() => new()
    {
        SchemaVersion = 1,
        Name = "nanodet-g-416",
        Description = "test detector",
        Labels = CocoLabels,
        Input = new InputSpec { Width = 416, Height = 416, Channels = 3, Layout = "NHWC" },
        Preprocessing = new PreprocessingSpec
        {
            ColorOrder = "BGR",
            Resize = "letterbox",
            PadValue = [114, 114, 114],
            MeanMilli = [103_530, 116_280, 123_675],
            StdMilli = [57_375, 57_120, 58_395],
        },
        Detector = new DetectorSpec
        {
            Family = "nanodet",
            NumClasses = CocoLabels.Length,
            Strides = [8, 16, 32],
            RegMax = 7,
            ScoreThresholdPermille = 350,
            IouThresholdPermille = 600,
            MaxDetections = 100,
        },
        BitPolicy = new BitPolicySpec
        {
            Shorthand = "M4F8L8",
            WeightBits = 4,
            ActivationBits = 4,
            Layers = [new LayerBits { Name = "backbone.conv1", WeightBits = 8, ActivationBits = 8 }],
        },
        Source = new SourceSpec { FileName = "nanodet-g-416.onnx", Format = "onnx", Sha256 = new string('a', 64) },
        Tool = new ToolSpec { Name = "pack-model", Version = "0.1.0-test" },
    };

    public static ModelMetadata FeaturizerMetadata() => new()
    {
        SchemaVersion = 1,
        Name = "resnet18-featurizer",
        Labels = [],
        Input = new InputSpec { Width = 224, Height = 224, Channels = 3, Layout = "NHWC" },
        Preprocessing = new PreprocessingSpec
        {
            ColorOrder = "RGB",
            Resize = "center-crop",
            MeanMilli = [123_675, 116_280, 103_530],
            StdMilli = [58_395, 57_120, 57_375],
        },
        Detector = new DetectorSpec { Family = "featurizer", NumClasses = 0 },
        BitPolicy = new BitPolicySpec { WeightBits = 8, ActivationBits = 8 },
        Source = new SourceSpec { FileName = "resnet18.onnx", Format = "onnx", Sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
        Tool = new ToolSpec { Name = "pack-model", Version = "0.1.0-test" },
    };

    /// <summary>Depthwise weights packed by the kernels library (the bytes a real blob stores).</summary>
    public static (ConvGeometry Geometry, byte[] Packed) DepthwisePacked(int seed, int channels, int k)
    {
        var rng = new Random(seed);
        var geometry = ConvGeometry.Same(8, 8, channels, channels, k, 1, channels);
        var source = new byte[DepthwiseWeights.SourceBytes(geometry, LowBitFormat.Int(8))];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (byte)(sbyte)rng.Next(-127, 128);
        }
        var packed = new byte[DepthwiseWeights.PackedBytes(geometry)];
        DepthwiseWeights.Pack(geometry, source, LowBitFormat.Int(8), packed);
        return (geometry, packed);
    }

    public static byte[] RandomBytes(int seed, int length)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>Metadata only.</summary>
    public static byte[] Minimal()
    {
        var w = new BlobWriter();
        w.AddMetadata(FeaturizerMetadata());
        return w.ToArray();
    }

    /// <summary>Metadata, graph placeholder, three named depthwise weight sections, parameters, string table.</summary>
    public static byte[] DetectorBlob()
    {
        var w = new BlobWriter();
        w.AddMetadata(DetectorMetadata());
        w.AddSection(SectionKind.Graph, RandomBytes(1, 200));
        w.AddSection(SectionKind.Weights, DepthwisePacked(2, 24, 3).Packed, "backbone.dw1");
        w.AddSection(SectionKind.Weights, DepthwisePacked(3, 40, 5).Packed, "backbone.dw2");
        w.AddSection(SectionKind.Parameters, RandomBytes(4, 3 * 40 * 4), "backbone.dw2.requant");
        w.AddSection(SectionKind.Weights, DepthwisePacked(5, 7, 3).Packed, "head.dw");
        return w.ToArray();
    }

    /// <summary>A 4096-aligned section, an empty section, an unknown non-critical kind.</summary>
    public static byte[] Unusual()
    {
        var w = new BlobWriter();
        w.AddSection(SectionKind.Weights, RandomBytes(6, 100), "page.aligned", alignment: 4096);
        w.AddSection(SectionKind.Parameters, [], "empty");
        w.AddSection(SectionKind.Parse("XTRA"), RandomBytes(7, 33), "optional.extension", flags: SectionFlags.None);
        w.AddMetadata(FeaturizerMetadata());
        return w.ToArray();
    }

    public static IEnumerable<(string Name, byte[] Blob)> All()
    {
        yield return ("minimal", Minimal());
        yield return ("detector", DetectorBlob());
        yield return ("unusual", Unusual());
    }
}
