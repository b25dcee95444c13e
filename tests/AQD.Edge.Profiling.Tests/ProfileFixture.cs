using AQD.Edge.Engine;
using AQD.Edge.Engine.Tests;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Profiling.Tests;

/// <summary>The engine test suite's synthetic ResNet-like model (10 ops, two outputs), loaded, with a seeded input.</summary>
internal static class ProfileFixture
{
    public static (SyntheticModel Model, InferenceEngine Engine) Load(int threads = 1)
    {
        var model = new SyntheticModel();
        var engine = InferenceEngine.Load(BlobReader.Open(model.Write(), "synthetic"), new EngineOptions { Threads = threads, MinMacsPerBand = 0 });
        SyntheticModel.RandomInput(7).CopyTo(engine.Input(0));
        return (model, engine);
    }

    public static ProfileSettings Short { get; } = new() { Warmup = 1, Iterations = 4 };
}
