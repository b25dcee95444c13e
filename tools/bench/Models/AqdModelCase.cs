using AQD.Edge.Bench.Harness;
using AQD.Edge.Engine;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Bench.Models;

/// <summary>
/// Our engine on a packed blob; <see cref="Run"/> copies the quantized input into the arena and runs
/// (<c>InferenceEngine.Run(input)</c>: the arena reuses the input's bytes once its last reader ran,
/// so every inference writes its input, as the device does per frame; the copy is a memcpy of one
/// image, e.g. 150 KB for 224x224x3).
/// </summary>
public sealed class AqdModelCase : IBenchCase
{
    private readonly InferenceEngine engine;
    private readonly byte[] input;

    public AqdModelCase(byte[] blob, string name, string policy, int bits, byte[] input, int threads)
    {
        engine = InferenceEngine.Load(BlobReader.Open(blob, name), new EngineOptions { Threads = threads });
        // A blob from another tool may take its input in another format (e.g. int8 or packed): the
        // photo's bytes, cut or repeated to that length (kernel time does not depend on the data).
        int need = engine.Input(0).Length;
        this.input = input.Length == need ? input : [.. Enumerable.Range(0, need).Select(i => input[i % input.Length])];
        Variant = policy;
        Bits = bits;
        long macs = 0;
        for (int s = 0; s < engine.StepCount; s++)
        {
            macs += engine.StepInfo(s).Macs;
        }
        Macs = macs;
    }

    public string Engine => "aqd";
    public string Variant { get; }
    public int Bits { get; }
    public long Macs { get; }

    public void Run() => engine.Run(input);

    /// <summary>Graph output 0 of the last run, dequantized with its tensor's scale (for the agreement check).</summary>
    public float[] Output0()
    {
        var t = engine.Graph.Tensors[engine.Graph.Outputs[0]];
        float scale = BitConverter.UInt32BitsToSingle(t.ScaleBits);
        var bytes = engine.Output(0);
        var f = t.Format;
        var result = new float[f.Storage == Kernels.Tensors.ActivationStorage.Int16 ? bytes.Length / 2 : bytes.Length];
        for (int i = 0; i < result.Length; i++)
        {
            int v = f.Storage switch
            {
                Kernels.Tensors.ActivationStorage.Int16 => System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]),
                Kernels.Tensors.ActivationStorage.Int8 => (sbyte)bytes[i],
                Kernels.Tensors.ActivationStorage.UInt8 => bytes[i],
                _ => 0,
            };
            result[i] = scale * (v - f.ZeroPoint);
        }
        return f.Storage is Kernels.Tensors.ActivationStorage.PackedUnsigned ? [] : result;
    }

    public void Dispose() => engine.Dispose();
}
