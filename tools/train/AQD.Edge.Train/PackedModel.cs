using AQD.Edge.Aqd;
using AQD.Edge.Aqd.Checkpoints;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Train;

/// <summary>
/// An exported checkpoint packed the way <c>pack-model pack-aqd</c> packs it (AqdCheckpointImporter:
/// .pth reader, builder, lowering; AqdBlobWriter) and loaded in the integer engine; <see cref="Run"/>
/// gives the integer codes of the graph outputs (NHWC) for one image.
/// </summary>
public sealed class PackedModel : IDisposable
{
    private readonly InferenceEngine engine;

    public AqdNetwork Network { get; }
    public int BlobBytes { get; }

    private PackedModel(AqdNetwork net, byte[] blob, string name)
    {
        Network = net;
        BlobBytes = blob.Length;
        engine = InferenceEngine.Load(BlobReader.Open(blob, name), new EngineOptions { Threads = 1 });
    }

    /// <summary>Imports <paramref name="pthPath"/> with its policy, writes the blob to <paramref name="blobPath"/> and loads it.</summary>
    public static PackedModel Pack(string pthPath, string policyPath, string blobPath)
    {
        var net = AqdCheckpointImporter.Import(pthPath, policyPath);
        var blob = AqdBlobWriter.Write(net);
        File.WriteAllBytes(blobPath, blob);
        return new PackedModel(net, blob, Path.GetFileName(blobPath));
    }

    public int OutputCount => engine.OutputCount;

    public int[][] Run(byte[] bgr)
    {
        bgr.CopyTo(engine.Input(0));
        engine.Run();
        var result = new int[engine.OutputCount][];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = TensorCodes.Read(engine.Output(i), engine.Graph.Tensors[engine.Graph.Outputs[i]]);
        }
        return result;
    }

    public void Dispose() => engine.Dispose();
}
