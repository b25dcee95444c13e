using AQD.Edge.Bench.Conv;
using AQD.Edge.Bench.Harness;
using Microsoft.ML.OnnxRuntime;

namespace AQD.Edge.Bench.Models;

/// <summary>
/// ONNX Runtime on a whole float or QDQ model: CPU execution provider, all graph optimizations (QDQ
/// fusion into QLinearConv and friends), fixed intra-op threads; the input and every output are
/// pre-bound OrtValues (output shapes from one untimed run), so <see cref="Run"/> times
/// InferenceSession.Run alone.
/// </summary>
public sealed class OrtModelCase : IBenchCase
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string[] inputNames, outputNames;
    private readonly OrtValue[] inputValues, outputValues;
    private readonly float[][] outputs;

    public OrtModelCase(byte[] onnx, string variant, int bits, float[] inputNchw, long[] inputShape, long macs, int threads)
    {
        Variant = variant;
        Bits = bits;
        Macs = macs;
        using var options = OrtConvCase.CreateSessionOptions(threads);
        session = new InferenceSession(onnx, options);
        inputNames = [session.InputMetadata.Keys.Single()];
        outputNames = [.. session.OutputMetadata.Keys];
        inputValues = [OrtValue.CreateTensorValueFromMemory(inputNchw, inputShape)];
        using (var first = session.Run(runOptions, inputNames, inputValues, outputNames))
        {
            outputs = [.. first.Select(o => new float[o.GetTensorTypeAndShape().ElementCount])];
            Output0Shape = first[0].GetTensorTypeAndShape().Shape;
            outputValues = [.. first.Select((o, i) => OrtValue.CreateTensorValueFromMemory(outputs[i], o.GetTensorTypeAndShape().Shape))];
        }
    }

    public string Engine => "onnxruntime";
    public string Variant { get; }
    public int Bits { get; }
    public long Macs { get; }

    public void Run() => session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);

    /// <summary>Graph output 0 of the last run (float; a QDQ model's is dequantized).</summary>
    public float[] Output0 => outputs[0];

    public long[] Output0Shape { get; }

    public void Dispose()
    {
        foreach (var v in inputValues.Concat(outputValues))
        {
            v.Dispose();
        }
        runOptions.Dispose();
        session.Dispose();
    }
}
