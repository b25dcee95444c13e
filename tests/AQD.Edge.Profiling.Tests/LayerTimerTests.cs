using AQD.Edge.Engine.Tests;

namespace AQD.Edge.Profiling.Tests;

public class LayerTimerTests
{
    [Fact]
    public void TimedRunComputesWhatAPlainRunComputes()
    {
        var (model, engine) = ProfileFixture.Load();
        using var _ = engine;
        var (expected, pool) = model.RunByHand(SyntheticModel.RandomInput(7));
        var timer = new LayerTimer(engine);
        var t = timer.Run();
        Assert.Equal(expected, engine.Output(0).ToArray());
        Assert.Equal(pool, engine.Output(1).ToArray());
        Assert.Equal(engine.StepCount, timer.LastStepTicks.Length);
        long sum = 0;
        foreach (long ticks in timer.LastStepTicks)
        {
            Assert.True(ticks >= 0);
            sum += ticks;
        }
        Assert.Equal(sum, t.EngineTicks);
        Assert.Equal(sum, t.BackboneTicks + t.NeckTicks + t.HeadTicks);
        Assert.Equal(t, timer.Last);
        var withPost = t.WithPostProcessing(5);
        Assert.Equal(t.EngineTicks + 5, withPost.TotalTicks);
        Assert.Equal(5, withPost[LayerGroup.PostProcessing]);
    }

    [Fact]
    public void ProfilerRestoresTheInputBeforeEveryRun()
    {
        // The arena reuses the input's bytes after its last reader: without restoring, runs 2..N
        // would compute on garbage and the outputs after profiling would not be the input's.
        var (model, engine) = ProfileFixture.Load();
        using var _ = engine;
        var (expected, pool) = model.RunByHand(SyntheticModel.RandomInput(7));
        Profiler.Run(engine, ProfileFixture.Short);
        Assert.Equal(expected, engine.Output(0).ToArray());
        Assert.Equal(pool, engine.Output(1).ToArray());
    }

    [Fact]
    public void TimedRunAllocatesNothing()
    {
        var (_, engine) = ProfileFixture.Load();
        using var _ = engine;
        var timer = new LayerTimer(engine);
        timer.Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        timer.Run();
        timer.Run();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
