using AQD.Edge.Bench.Harness;
using AQD.Edge.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AQD.Edge.Bench.Conv;

/// <summary>
/// One ONNX Runtime session on a one-conv model, CPU execution provider, with pre-bound input and
/// output OrtValues so <see cref="Run"/> times InferenceSession.Run alone.
/// </summary>
public sealed class OrtConvCase : IBenchCase, IUInt8NhwcOutput
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly OrtValue input;
    private readonly OrtValue output;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private readonly OrtValue[] inputValues;
    private readonly OrtValue[] outputValues;

    private readonly OnnxConvModel model;

    public OrtConvCase(OnnxConvModel model, byte[] inputNchw, long macs, int threads)
    {
        this.model = model;
        Variant = model.Kind;
        Macs = macs;
        using var options = CreateSessionOptions(threads);
        session = new InferenceSession(model.Bytes, options);
        input = OrtValue.CreateTensorValueFromMemory(inputNchw, model.InputShape);
        long outCount = model.OutputShape.Aggregate(1L, (a, d) => a * d);
        output = model.OutputType == Onnx.Protobuf.TensorProto.Types.DataType.Int32
            ? OrtValue.CreateTensorValueFromMemory(new int[outCount], model.OutputShape)
            : OrtValue.CreateTensorValueFromMemory(new byte[outCount], model.OutputShape);
        inputNames = [model.InputName];
        outputNames = [model.OutputName];
        inputValues = [input];
        outputValues = [output];
    }

    public string Engine => "onnxruntime";
    public string Variant { get; }
    public int Bits => 8;
    public long Macs { get; }

    /// <summary>CPU EP, all graph optimizations (QDQ fusion included), fixed intra-op threads, sequential.</summary>
    public static SessionOptions CreateSessionOptions(int threads)
    {
        var o = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        if (threads == 1)
        {
            o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }
        return o;
    }

    public void Run() => session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);

    /// <summary>The uint8 output of the last run, NHWC (QLinearConv and QDQ; ConvInteger has int32 output).</summary>
    public byte[] OutputNhwc()
    {
        if (model.OutputType != Onnx.Protobuf.TensorProto.Types.DataType.Uint8)
        {
            throw new InvalidOperationException($"{Variant} has no uint8 output.");
        }
        var s = model.OutputShape;
        return OnnxLayout.ChwToHwc(output.GetTensorDataAsSpan<byte>(), (int)s[2], (int)s[3], (int)s[1]);
    }

    public void Dispose()
    {
        input.Dispose();
        output.Dispose();
        runOptions.Dispose();
        session.Dispose();
    }
}
