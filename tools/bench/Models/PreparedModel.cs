using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Onnx.Import;

namespace AQD.Edge.Bench.Models;

/// <summary>One blob of a model at one bit policy, or why there is none.</summary>
public sealed record PackedVariant(int Bits, string Policy, byte[]? Blob, string? Problem);

/// <summary>
/// Everything the <c>models</c> benchmark runs on one network, prepared once: the float ONNX, our
/// blobs at each requested bit width (pack-model's calibration on the image folder; policy M{b}F8L8:
/// middle layers b bits, first and last 8), the QDQ export of the 8-bit blob (ONNX Runtime int8 on
/// the same calibrated network), and one photo as the input of every engine: the blob's quantized
/// bytes and ONNX Runtime's float NCHW tensor.
/// </summary>
public sealed class PreparedModel
{
    private PreparedModel(ModelSpec spec, byte[] onnx, IReadOnlyList<PackedVariant> blobs, byte[]? qdq, string? qdqProblem,
        byte[] input, float[] inputNchw, long[] inputShape, string photo)
    {
        Spec = spec;
        Onnx = onnx;
        Blobs = blobs;
        Qdq = qdq;
        QdqProblem = qdqProblem;
        Input = input;
        InputNchw = inputNchw;
        InputShape = inputShape;
        Photo = photo;
    }

    public ModelSpec Spec { get; }
    public byte[] Onnx { get; }
    public IReadOnlyList<PackedVariant> Blobs { get; }
    public byte[]? Qdq { get; }
    public string? QdqProblem { get; }
    public byte[] Input { get; }
    public float[] InputNchw { get; }
    public long[] InputShape { get; }
    public string Photo { get; }

    public static string Policy(int bits) => $"M{bits}F8L8";

    /// <summary>
    /// Writes what the engines run into <paramref name="directory"/>: &lt;model&gt;-&lt;policy&gt;.aqd per
    /// packed bit width, &lt;model&gt;-int8-qdq.onnx and &lt;model&gt;-float.onnx (the qemu instruction
    /// counter runs exactly these on ARM64). Returns the written paths.
    /// </summary>
    public IReadOnlyList<string> Export(string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        void Write(string name, byte[] bytes)
        {
            string path = Path.Combine(directory, name);
            File.WriteAllBytes(path, bytes);
            written.Add(path);
        }
        foreach (var v in Blobs.Where(v => v.Blob is not null))
        {
            Write($"{Spec.Name}-{v.Policy.Replace(' ', '-')}.aqd", v.Blob!);
        }
        if (Qdq is not null)
        {
            Write($"{Spec.Name}-int8-qdq.onnx", Qdq);
        }
        Write($"{Spec.Name}-float.onnx", Onnx);
        return written;
    }

    public static PreparedModel Prepare(ModelSpec spec, IReadOnlyList<int> bits, string imageFolder, TextWriter log)
    {
        var onnx = File.ReadAllBytes(spec.OnnxPath!);
        var images = CalibrationImages.List(imageFolder).Concat(Directory.Exists(Path.Combine(imageFolder, "more"))
            ? CalibrationImages.List(Path.Combine(imageFolder, "more")) : []).ToList();
        var graph = FloatOnnxGraph.Parse(onnx, Path.GetFileName(spec.OnnxPath!));
        var (c, h, w) = Calibrator.InputShape(graph);
        var blobs = new List<PackedVariant>();
        InputNormalization? blobInput = null;
        foreach (int b in bits.Distinct().OrderByDescending(b => b))
        {
            string policy = Policy(b);
            try
            {
                log.WriteLine($"  packing {spec.Name} at {policy} (calibration on {images.Count} photos)...");
                var packed = FloatOnnxPacker.Pack(onnx, new FloatPackOptions
                {
                    Pack = new() { SourceFileName = Path.GetFileName(spec.OnnxPath!) },
                    Images = images,
                    Normalization = spec.Normalization,
                    Bits = policy,
                });
                blobInput ??= packed.Input;
                blobs.Add(new PackedVariant(b, policy, packed.Packed.Blob, null));
            }
            catch (OnnxImportException e)
            {
                log.WriteLine($"  {policy}: not available: {e.Message}");
                blobs.Add(new PackedVariant(b, policy, null, e.Message));
            }
        }
        foreach (var (b, path) in spec.ExtraBlobs(bits))
        {
            blobs.Add(new PackedVariant(b, $"AQD M{b}F8L8", File.ReadAllBytes(path), null));
        }
        byte[]? qdq = null;
        string? qdqProblem = null;
        if (blobs.FirstOrDefault(v => v.Bits == 8 && v.Policy == Policy(8))?.Blob is { } blob8)
        {
            try
            {
                qdq = QdqOnnxExporter.Export(graph, GraphReader.Read(BlobReader.Open(blob8, spec.Name)));
            }
            catch (OnnxImportException e)
            {
                qdqProblem = e.Message;
            }
        }
        else
        {
            qdqProblem = "no 8-bit blob to export";
        }
        string photo = images[0];
        var px = CalibrationImages.LoadHwc(photo, w, h, c);
        var input = (blobInput ?? spec.Normalization).Quantize(px);
        return new PreparedModel(spec, onnx, blobs, qdq, qdqProblem, input, spec.Normalization.ToFloatNchw(px, h, w), [1, c, h, w], photo);
    }
}
