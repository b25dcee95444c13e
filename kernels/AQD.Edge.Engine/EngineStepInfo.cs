namespace AQD.Edge.Engine;

/// <summary>
/// What step i of <see cref="InferenceEngine.Run()"/> executes, for profilers and tools:
/// <see cref="OpIndex"/> into <c>Graph.Ops</c> (= <c>Graph.ExecutionOrder[i]</c>), the
/// multiply-accumulates of one run of a convolution or depthwise convolution (0 for ops without
/// MACs: element-wise, pooling, data movement) and the row bands it is split into across threads
/// (1 = runs on the calling thread). Computed at load time; reading it costs nothing at run time.
/// </summary>
public readonly record struct EngineStepInfo(int OpIndex, long Macs, int Bands);
