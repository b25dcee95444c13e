using AQD.Edge.Bench.Harness;
using AQD.Edge.Onnx;

namespace AQD.Edge.Bench.Conv;

/// <summary>
/// ONNX Runtime's int8 convolution on the same data: QLinearConv (the baseline every ratio refers
/// to), the QDQ form (fused by ORT into QLinearConv; shows the fusion happened) and ConvInteger
/// (int32 output, no requantization).
/// </summary>
public sealed class OrtConvEngine : IConvEngine
{
    public const string BaselineVariant = "QLinearConv";

    public string Name => "onnxruntime";

    public static string Version => Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString();

    public IEnumerable<IBenchCase> CreateCases(ConvBenchData data, IReadOnlyList<int> bits, ConvBenchOptions options)
    {
        long macs = data.Geometry.Macs;
        yield return new OrtConvCase(QuantizedConvModels.QLinearConv(data.Spec), data.InputNchw, macs, options.Threads);
        yield return new OrtConvCase(QuantizedConvModels.Qdq(data.Spec), data.InputNchw, macs, options.Threads);
        yield return new OrtConvCase(QuantizedConvModels.ConvInteger(data.Spec), data.InputNchw, macs, options.Threads);
    }
}
