using AQD.Edge.Kernels.LowBit;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Engine.Tests;

/// <summary>Bad graphs are refused at load with a <see cref="BlobFormatException"/> naming the field.</summary>
public class LoaderErrorTests
{
    private static BlobFormatException LoadFails(Action<GraphBuilder, SyntheticModel> edit)
    {
        byte[] blob = new SyntheticModel().Write(edit);
        var reader = BlobReader.Open(blob, "bad.aqd");
        var e = Assert.Throws<BlobFormatException>(() => InferenceEngine.Load(reader));
        Assert.Equal("bad.aqd", e.SourceName);
        Assert.Equal("graph", e.Section);
        Assert.InRange(e.ByteOffset, 64, blob.Length - 1);
        Assert.StartsWith($"bad.aqd: graph, field '{e.Field}' at byte {e.ByteOffset}: ", e.Message);
        return e;
    }

    [Fact]
    public void CycleIsRefused()
    {
        // two extra ops feeding each other: a -> b -> a
        var e = LoadFails((g, m) =>
        {
            int a = g.AddTensor("a", SyntheticModel.Act, 10, 10, 16);
            int b = g.AddTensor("b", SyntheticModel.Act, 10, 10, 16);
            g.AddOp(new(GraphOpType.ChannelShuffle, "s1", [b], [a], new OpAttributes(Groups: 2)));
            g.AddOp(new(GraphOpType.ChannelShuffle, "s2", [a], [b], new OpAttributes(Groups: 2)));
        });
        Assert.Equal("ops[10].inputs", e.Field);
        Assert.Contains("cycle", e.Problem);
    }

    [Fact]
    public void DanglingTensorIdIsRefused()
    {
        var e = LoadFails((g, m) => g.AddOp(new(GraphOpType.ResizeNearest2x, "up2", [m.T5 + 100], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)], default)));
        Assert.Equal("tensorRefs[22]", e.Field);
        Assert.Contains("does not exist", e.Problem);
    }

    [Fact]
    public void TensorNeverWrittenIsRefused()
    {
        var e = LoadFails((g, m) =>
        {
            int orphan = g.AddTensor("orphan", SyntheticModel.Act, 5, 5, 16);
            g.AddOp(new(GraphOpType.ResizeNearest2x, "up2", [orphan], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)], default));
        });
        Assert.Equal("ops[10].inputs[0]", e.Field);
        Assert.Contains("dangling", e.Problem);
    }

    [Fact]
    public void TensorWrittenTwiceIsRefused()
    {
        var e = LoadFails((g, m) => g.AddOp(new(GraphOpType.ChannelShuffle, "again", [m.T7], [m.T8], new OpAttributes(Groups: 2))));
        Assert.Equal("ops[10].outputs[0]", e.Field);
        Assert.Contains("already written by ops[7]", e.Problem);
    }

    [Fact]
    public void ShapeMismatchBetweenOpsIsRefused()
    {
        // nearest upsample of the 5x5 pool into a 9x10 tensor
        var e = LoadFails((g, m) => g.AddOp(new(GraphOpType.ResizeNearest2x, "up2", [m.T5], [g.AddTensor("x", SyntheticModel.Act, 9, 10, 16)], default)));
        Assert.Equal("ops[10].outputs[0]", e.Field);
        Assert.Contains("shape mismatch", e.Problem);
        TestContext.Current.TestOutputHelper?.WriteLine(e.Message);

        var add = LoadFails((g, m) => g.AddOp(new(GraphOpType.Add, "add2", [m.T1, m.T7], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)], default,
            g.AddParams(GraphBuilder.AddBlock(20, new(1 << 30, 1), new(1 << 30, 1), new(1 << 30, 20), false)))));
        Assert.Equal("ops[10].inputs[1]", add.Field);
        Assert.Contains("shape mismatch", add.Problem);
    }

    [Fact]
    public void ConvOutputSizeMustMatchItsGeometry()
    {
        var e = LoadFails((g, m) =>
        {
            var w = g.AddWeights(m.Conv2Weights.Bytes.Span, LowBitFormat.Int(4));
            g.AddOp(new(GraphOpType.Conv2D, "conv3", [m.T2], [g.AddTensor("x", SyntheticModel.Act, 5, 10, 16)], OpAttributes.Window(1, 1, 0, 1),
                g.AddParams(GraphBuilder.RequantBlock(m.Bias3, m.Req3, m.Range)), w));
        });
        Assert.Equal("ops[10].outputs[0]", e.Field);
        Assert.Contains("gives 10x10x16", e.Problem);
    }

    [Fact]
    public void WeightReferenceOutsideItsSectionIsRefused()
    {
        var e = LoadFails((g, m) =>
        {
            var w = g.AddWeights(m.Conv2Weights.Bytes.Span, LowBitFormat.Int(4));
            g.AddOp(new(GraphOpType.Conv2D, "conv3", [m.T2], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)], OpAttributes.Window(1, 1, 0, 1),
                g.AddParams(GraphBuilder.RequantBlock(m.Bias3, m.Req3, m.Range)), w with { Offset = 64 }));
        });
        Assert.Equal("ops[10].weights.offset", e.Field);
        Assert.Contains("is outside section[", e.Problem);
    }

    [Fact]
    public void WeightReferenceToTheWrongKindOrLengthIsRefused()
    {
        var kind = LoadFails((g, m) =>
        {
            var w = g.AddWeights(m.Conv2Weights.Bytes.Span, LowBitFormat.Int(4));
            g.AddOp(new(GraphOpType.Conv2D, "conv3", [m.T2], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)], OpAttributes.Window(1, 1, 0, 1),
                g.AddParams(GraphBuilder.RequantBlock(m.Bias3, m.Req3, m.Range)), w with { Section = 0 }));
        });
        Assert.Equal("ops[10].weights.section", kind.Field);
        Assert.Contains("is not a WGHT section", kind.Problem);

        var length = LoadFails((g, m) =>
        {
            var w = g.AddWeights(m.Conv2Weights.Bytes.Span, LowBitFormat.Int(4));
            g.AddOp(new(GraphOpType.Conv2D, "conv3", [m.T2], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)], OpAttributes.Window(1, 1, 0, 1),
                g.AddParams(GraphBuilder.RequantBlock(m.Bias3, m.Req3, m.Range)), w with { Length = w.Length - 1 }));
        });
        Assert.Equal("ops[10].weights.length", length.Field);
    }

    [Fact]
    public void ParamReferenceOutsideItsSectionIsRefused()
    {
        var e = LoadFails((g, m) =>
        {
            uint good = g.AddParams(GraphBuilder.GlobalAveragePoolBlock(m.GapParams.Multiplier, false));
            _ = good;
            // the PRMS section is the first section after the weights: META, 3 x WGHT, PRMS
            uint bad = g.AddParamSetRecord(new ParamSetRef(3, 4, 1 << 20, 12));
            g.AddOp(new(GraphOpType.GlobalAveragePool, "gap2", [m.T9], [g.AddTensor("x", SyntheticModel.OutFormat, 1, 1, 32)], default, bad));
        });
        Assert.Equal("paramSets[6].offset", e.Field);
    }

    [Fact]
    public void KernelRefusalNamesTheParamSet()
    {
        // a shift of 0 is outside the requantization rule's range: refused by the kernel at load
        var e = LoadFails((g, m) => g.AddOp(new(GraphOpType.GlobalAveragePool, "gap2", [m.T9],
            [g.AddTensor("x", SyntheticModel.OutFormat, 1, 1, 32)], default, g.AddParams(GraphBuilder.GlobalAveragePoolBlock(new(1 << 30, 0), false)))));
        Assert.Equal("ops[10].paramSet", e.Field);
        Assert.Contains("cannot be prepared", e.Problem);
    }

    [Fact]
    public void UnsupportedFormatForAnOpIsRefused()
    {
        var e = LoadFails((g, m) =>
        {
            int packed = g.AddTensor("packed", ActivationFormat.Packed(4), 10, 10, 16);
            g.AddOp(new(GraphOpType.ChannelShuffle, "s", [m.T1], [packed], new OpAttributes(Groups: 2)));
        });
        Assert.Equal("ops[10].inputs[0]", e.Field);
    }

    [Fact]
    public void LookupTableErrorsNameTheField()
    {
        int[] Identity() => [.. Enumerable.Range(0, 256)];
        var count = LoadFails((g, m) => g.AddOp(new(GraphOpType.LookupTable, "lut", [m.T1], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)], default,
            g.AddParams(new int[255]))));
        Assert.Equal("ops[10].paramSet", count.Field);
        Assert.Contains("needs 256 parameter values", count.Problem);

        var value = LoadFails((g, m) => g.AddOp(new(GraphOpType.LookupTable, "lut", [m.T1], [g.AddTensor("x", ActivationFormat.Int8(0), 10, 10, 16)], default,
            g.AddParams(GraphBuilder.LookupTableBlock(Identity())))));
        Assert.Equal("ops[10].paramSet", value.Field);
        Assert.Contains("entry 128 = 128 is outside the output format", value.Problem);

        var shape = LoadFails((g, m) => g.AddOp(new(GraphOpType.LookupTable, "lut", [m.T1], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 8)], default,
            g.AddParams(GraphBuilder.LookupTableBlock(Identity())))));
        Assert.Equal("ops[10].outputs[0]", shape.Field);
        Assert.Contains("shape mismatch", shape.Problem);

        var noParams = LoadFails((g, m) => g.AddOp(new(GraphOpType.LookupTable, "lut", [m.T1], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)], default)));
        Assert.Equal("ops[10].paramSet", noParams.Field);
        Assert.Contains("needs a param set", noParams.Problem);
    }

    [Fact]
    public void ChannelSliceErrorsNameTheField()
    {
        var outside = LoadFails((g, m) => g.AddOp(new(GraphOpType.ChannelSlice, "slice", [m.T1], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 8)],
            new OpAttributes(Extra: 9))));
        Assert.Equal("ops[10].extra", outside.Field);
        Assert.Contains("[9, +8)", outside.Problem);

        var format = LoadFails((g, m) => g.AddOp(new(GraphOpType.ChannelSlice, "slice", [m.T1], [g.AddTensor("x", ActivationFormat.Int8(0), 10, 10, 8)], default)));
        Assert.Equal("ops[10].inputs[0]", format.Field);
        Assert.Contains("differs from the output format", format.Problem);
    }

    [Fact]
    public void OpFlagsAreCheckedPerTypeAndTheLeakyBlockLength()
    {
        var flag = LoadFails((g, m) => g.AddOp(new(GraphOpType.ChannelShuffle, "s", [m.T7], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 32)],
            new OpAttributes(Groups: 2), Flags: GraphOpFlags.LeakyRelu)));
        Assert.Equal("ops[10].flags", flag.Field);
        Assert.Contains("unknown for ChannelShuffle", flag.Problem);

        // Conv2D with the LeakyRelu flag but the plain 3C + 3 block
        var shortBlock = LoadFails((g, m) => g.AddOp(new(GraphOpType.Conv2D, "leaky", [m.Input], [g.AddTensor("x", SyntheticModel.Act, 10, 10, 16)],
            OpAttributes.Window(3, 1, 1, 2), g.AddParams(GraphBuilder.RequantBlock(m.Bias1, m.Req1, m.Range)),
            g.AddWeights(m.Conv1Weights.Bytes.Span, LowBitFormat.Int(8)), GraphOpFlags.LeakyRelu)));
        Assert.Equal("ops[10].paramSet", shortBlock.Field);
        Assert.Contains($"needs {5 * 16 + 3} parameter values", shortBlock.Problem);
    }
}
