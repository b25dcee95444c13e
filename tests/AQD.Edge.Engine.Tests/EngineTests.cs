using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Engine.Tests;

public class EngineTests
{
    private static InferenceEngine Load(byte[] blob) => InferenceEngine.Load(BlobReader.Open(blob, "synthetic.aqd"));

    [Fact]
    public void SyntheticGraphMatchesKernelsRunByHandBitExactly()
    {
        var model = new SyntheticModel();
        var engine = Load(model.Write());
        Assert.Equal(1, engine.InputCount);
        Assert.Equal(2, engine.OutputCount);
        for (int seed = 0; seed < 4; seed++)
        {
            byte[] input = SyntheticModel.RandomInput(seed);
            var (expected, expectedPool) = model.RunByHand(input);
            byte[] actual = engine.Run(input).ToArray();
            Assert.Equal(expected, actual);
            Assert.Equal(expectedPool, engine.Output(1).ToArray());
            // not a degenerate test: the outputs vary
            Assert.True(expected.Distinct().Count() > 4, $"seed {seed}: output has only {expected.Distinct().Count()} distinct values.");
            Assert.True(expectedPool.Distinct().Count() > 16, $"seed {seed}: pool output has only {expectedPool.Distinct().Count()} distinct values.");
        }
    }

    [Fact]
    public void PackedWeightsAreUsedInPlace()
    {
        var model = new SyntheticModel();
        byte[] blob = model.Write();
        var reader = BlobReader.Open(blob, "synthetic.aqd");
        var graph = GraphReader.Read(reader);
        var conv = graph.Ops.First(o => o.Type == GraphOpType.Conv2D);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(conv.Weights, out var segment));
        Assert.Same(blob, segment.Array);
        Assert.Equal(model.Conv1Weights.Bytes.ToArray(), conv.Weights.ToArray());
    }

    [Fact]
    public void ArenaPlanHasNoOverlappingLiveBuffersAndIsSmallerThanTheSum()
    {
        var engine = Load(new SyntheticModel().Write());
        var plan = engine.Plan;
        Assert.Contains(plan, b => b.ScratchOfOp >= 0);
        for (int i = 0; i < plan.Count; i++)
        {
            Assert.True(plan[i].Offset % ArenaPlanner.Alignment == 0, $"{plan[i]} is not 64-byte aligned.");
            Assert.True(plan[i].Offset + plan[i].Size <= engine.ArenaBytes, $"{plan[i]} runs past the arena of {engine.ArenaBytes}.");
            for (int j = i + 1; j < plan.Count; j++)
            {
                Assert.False(plan[i].OverlapsInTime(plan[j]) && plan[i].OverlapsInMemory(plan[j]),
                    $"live buffers overlap: {plan[i]} and {plan[j]}.");
            }
        }
        long sum = plan.Sum(b => (long)b.Size);
        Assert.True(engine.ArenaBytes < sum, $"arena {engine.ArenaBytes} is not smaller than the sum {sum}.");
        Assert.True(plan.Any(a => plan.Any(b => a != b && a.OverlapsInMemory(b))), "no memory was reused.");
    }

    [Fact]
    public void ArenaPlannerPlacesGreedilyBySize()
    {
        var (plan, size) = ArenaPlanner.Plan([
            new ArenaBuffer(0, -1, 0, 100, 0, 1),
            new ArenaBuffer(1, -1, 0, 200, 1, 2),
            new ArenaBuffer(2, -1, 0, 100, 2, 3),
        ]);
        Assert.Equal(0, plan[1].Offset);
        Assert.Equal(256, plan[0].Offset);
        Assert.Equal(256, plan[2].Offset); // reuses buffer 0's memory: lifetimes [0,1] and [2,3] are disjoint
        Assert.Equal(384, size);
    }

    [Fact]
    public void InferenceAllocatesNothingAfterWarmUp()
    {
        var engine = Load(new SyntheticModel().Write());
        byte[] input = SyntheticModel.RandomInput(7);
        engine.Run(input);
        engine.Run(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int checksum = 0;
        for (int i = 0; i < 10; i++)
        {
            checksum += engine.Run(input)[0];
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(checksum, 10 * engine.Output(0)[0]);
    }

    [Fact]
    public void InputLengthIsChecked()
    {
        var engine = Load(new SyntheticModel().Write());
        var e = Assert.Throws<ArgumentException>(() => engine.Run(new byte[3]));
        Assert.Contains("800", e.Message);
    }

    [Fact]
    public void RunningEveryStepEqualsRunAndEachOpOutputIsReadableAfterItsStep()
    {
        var model = new SyntheticModel();
        var engine = Load(model.Write());
        var stepwise = Load(model.Write());
        Assert.Equal(engine.Graph.Ops.Count, stepwise.StepCount);
        byte[] input = SyntheticModel.RandomInput(7);
        byte[] expected = engine.Run(input).ToArray();
        byte[] expectedPool = engine.Output(1).ToArray();
        input.CopyTo(stepwise.Input(0));
        var afterStep = new Dictionary<int, byte[]>();
        for (int step = 0; step < stepwise.StepCount; step++)
        {
            stepwise.RunStep(step);
            foreach (int id in stepwise.Graph.Ops[stepwise.Graph.ExecutionOrder[step]].Outputs)
            {
                afterStep[id] = stepwise.Tensor(id).ToArray();
            }
        }
        Assert.Equal(expected, stepwise.Output(0).ToArray());
        Assert.Equal(expectedPool, stepwise.Output(1).ToArray());
        Assert.Equal(expected, afterStep[stepwise.Graph.Outputs[0]]);
        Assert.Equal(expectedPool, afterStep[stepwise.Graph.Outputs[1]]);
    }
}
