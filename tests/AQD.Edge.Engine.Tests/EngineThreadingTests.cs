using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Engine.Tests;

/// <summary>
/// EngineOptions.Threads: bit-identical outputs for every thread count, zero allocation, rejected
/// counts, worker shutdown, exception propagation and no deadlock. Thread counts above the
/// processor count (3, 4 on a 2-core machine) go through the internal Load overload that takes the
/// limit, so the band splitting is tested the same on every machine.
/// </summary>
public class EngineThreadingTests
{
    /// <summary>The synthetic model's ops are tiny, so MinMacsPerBand = 0 forces every conv/depthwise op to split.</summary>
    private static InferenceEngine Load(int threads, SyntheticModel? model = null, long minMacsPerBand = 0)
        => InferenceEngine.Load(GraphReader.Read(BlobReader.Open((model ?? new SyntheticModel()).Write(), "synthetic.aqd")),
            new EngineOptions { Threads = threads, MinMacsPerBand = minMacsPerBand }, maxThreads: 8);

    private static ArenaBuffer[] ScratchBuffers(InferenceEngine e) => [.. e.Plan.Where(b => b.ScratchOfOp >= 0).OrderBy(b => b.ScratchOfOp)];

    [Fact]
    public void EveryThreadCountGivesBitIdenticalOutputs()
    {
        var model = new SyntheticModel();
        var engines = Enumerable.Range(1, 4).Select(t => Load(t, model)).ToArray();
        try
        {
            for (int seed = 0; seed < 5; seed++)
            {
                byte[] input = SyntheticModel.RandomInput(100 + seed);
                var (expected, expectedPool) = model.RunByHand(input);
                foreach (var engine in engines)
                {
                    Assert.Equal(engine.Threads - 1, engine.LiveWorkerThreads);
                    for (int repeat = 0; repeat < 2; repeat++)
                    {
                        Assert.Equal(expected, engine.Run(input).ToArray());
                        Assert.Equal(expectedPool, engine.Output(1).ToArray());
                    }
                }
            }
        }
        finally
        {
            foreach (var e in engines)
            {
                e.Dispose();
            }
        }
    }

    [Fact]
    public void EachThreadHasItsOwnAlignedScratchInTheArena()
    {
        using var one = Load(1);
        using var three = Load(3);
        var scratch1 = ScratchBuffers(one);
        var scratch3 = ScratchBuffers(three);
        Assert.Equal(scratch1.Select(b => b.ScratchOfOp), scratch3.Select(b => b.ScratchOfOp));
        for (int i = 0; i < scratch1.Length; i++)
        {
            Assert.Equal(3 * ArenaPlanner.AlignUp(scratch1[i].Size), scratch3[i].Size);
        }
        var plan = three.Plan;
        for (int i = 0; i < plan.Count; i++)
        {
            Assert.True(plan[i].Offset % ArenaPlanner.Alignment == 0 && plan[i].Offset + plan[i].Size <= three.ArenaBytes, $"{plan[i]}");
            for (int j = i + 1; j < plan.Count; j++)
            {
                Assert.False(plan[i].OverlapsInTime(plan[j]) && plan[i].OverlapsInMemory(plan[j]), $"{plan[i]} and {plan[j]} overlap.");
            }
        }
    }

    [Fact]
    public void SmallOpsAreNotSplitAndMinMacsPerBandLimitsTheBands()
    {
        // conv1 has 57600 MACs, dw 14400, conv2 25600: the default (262144) splits none of them
        using var one = Load(1);
        using var byDefault = InferenceEngine.Load(GraphReader.Read(BlobReader.Open(new SyntheticModel().Write(), "s.aqd")),
            new EngineOptions { Threads = 3 }, maxThreads: 8);
        Assert.Equal(ScratchBuffers(one).Select(b => b.Size), ScratchBuffers(byDefault).Select(b => b.Size));
        // 20000 MACs per band: conv1 gets 2 bands (57600 / 20000), conv2 1, dw 1
        using var limited = Load(3, minMacsPerBand: 20000);
        int[] expected = [.. ScratchBuffers(one).Select((b, i) => i == 0 ? 2 * (int)ArenaPlanner.AlignUp(b.Size) : b.Size)];
        Assert.Equal(expected, ScratchBuffers(limited).Select(b => b.Size));
        byte[] input = SyntheticModel.RandomInput(3);
        byte[] reference = one.Run(input).ToArray();
        Assert.Equal(reference, byDefault.Run(input).ToArray());
        Assert.Equal(reference, limited.Run(input).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Load(2, minMacsPerBand: -1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void ThreadCountsBelowOneAreRejected(int threads)
    {
        byte[] blob = new SyntheticModel().Write();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => InferenceEngine.Load(BlobReader.Open(blob, "s.aqd"), new EngineOptions { Threads = threads }));
        Assert.Equal("Threads", e.ParamName);
        Assert.Contains($"between 1 and {Environment.ProcessorCount}", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => InferenceEngine.Load(GraphReader.Read(BlobReader.Open(blob, "s.aqd")), new EngineOptions { Threads = threads }));
    }

    [Fact]
    public void ThreadCountsAboveTheProcessorCountAreRejected()
    {
        byte[] blob = new SyntheticModel().Write();
        int tooMany = Environment.ProcessorCount + 1;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => InferenceEngine.Load(BlobReader.Open(blob, "s.aqd"), new EngineOptions { Threads = tooMany }));
        Assert.Contains($"got {tooMany}", e.Message);
        using var max = InferenceEngine.Load(BlobReader.Open(blob, "s.aqd"), new EngineOptions { Threads = Environment.ProcessorCount });
        Assert.Equal(Environment.ProcessorCount, max.Threads);
        using var byDefault = InferenceEngine.Load(BlobReader.Open(blob, "s.aqd"));
        Assert.Equal(1, byDefault.Threads);
        Assert.Equal(0, byDefault.LiveWorkerThreads);
    }

    [Fact]
    public void DisposeEndsTheWorkers()
    {
        var engine = Load(4);
        Assert.Equal(3, engine.LiveWorkerThreads);
        engine.Run(SyntheticModel.RandomInput(1));
        engine.Dispose();
        Assert.Equal(0, engine.LiveWorkerThreads);
        engine.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => engine.Run());
    }

    [Fact]
    public void ManySmallRunsNeverDeadlock()
    {
        using var engine = Load(3);
        byte[] input = SyntheticModel.RandomInput(5);
        byte[] expected = engine.Run(input).ToArray();
        int mismatches = 0;
        var runner = new Thread(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                if (engine.Run(input)[0] != expected[0])
                {
                    mismatches++;
                }
            }
        }) { IsBackground = true };
        runner.Start();
        Assert.True(runner.Join(TimeSpan.FromSeconds(120)), "1000 runs with 3 threads did not finish within 120 s (deadlock?).");
        Assert.Equal(0, mismatches);
    }

    /// <summary>Throws in one chosen band; counts the units run.</summary>
    private sealed class ThrowingWork(int units, int throwIn) : IBandWork
    {
        public int Ran;
        public int Units => units;
        public void RunBand(int participant, int start, int end)
        {
            Interlocked.Add(ref Ran, end - start);
            if (participant == throwIn)
            {
                throw new InvalidOperationException($"band {participant} failed");
            }
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(3, 0)]
    public void AnExceptionInABandReachesTheCallerAndTheWorkersStayUsable(int participants, int throwIn)
    {
        using var pool = new BandWorkers(participants, "test");
        var bad = new ThrowingWork(10, throwIn);
        var e = Assert.Throws<InvalidOperationException>(() => pool.Run(bad));
        Assert.Equal($"band {throwIn} failed", e.Message);
        Assert.Equal(10, bad.Ran); // every band ran to completion before the rethrow
        for (int i = 0; i < 50; i++)
        {
            var good = new ThrowingWork(7, -1);
            pool.Run(good);
            Assert.Equal(7, good.Ran);
        }
        pool.Dispose();
        Assert.Equal(0, pool.LiveWorkers);
    }

    [Fact]
    public void BandsAreContiguousDeterministicAndCoverEveryUnit()
    {
        foreach (int units in new[] { 1, 2, 3, 7, 10, 224 })
        {
            for (int n = 1; n <= 4; n++)
            {
                Assert.Equal(0, BandWorkers.BandStart(units, 0, n));
                Assert.Equal(units, BandWorkers.BandStart(units, n, n));
                for (int b = 0; b < n; b++)
                {
                    Assert.True(BandWorkers.BandStart(units, b, n) <= BandWorkers.BandStart(units, b + 1, n));
                }
            }
        }
    }
}

/// <summary>Allocation measurements that read process-wide counters: they run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation (serial)";
}

[Collection(AllocationCollection.Name)]
public class EngineThreadingAllocationTests
{
    [Fact]
    public void TwoThreadInferenceAllocatesNothingAfterWarmUp()
    {
        using var engine = InferenceEngine.Load(GraphReader.Read(BlobReader.Open(new SyntheticModel().Write(), "s.aqd")),
            new EngineOptions { Threads = 2, MinMacsPerBand = 0 }, maxThreads: 8);
        byte[] input = SyntheticModel.RandomInput(9);
        for (int i = 0; i < 5; i++)
        {
            engine.Run(input);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        long totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        int checksum = 0;
        for (int i = 0; i < 20; i++)
        {
            checksum += engine.Run(input)[0];
        }
        long totalAllocated = GC.GetTotalAllocatedBytes(precise: true) - totalBefore;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        // process-wide (workers included); a small margin for the test runner's own threads
        Assert.True(totalAllocated < 1024, $"20 inferences with 2 threads allocated {totalAllocated} bytes process-wide.");
        Assert.Equal(checksum, 20 * engine.Output(0)[0]);
    }
}
