using System.Buffers.Binary;
using AQD.Edge.Kernels.FixedPoint;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;

namespace AQD.Edge.Engine.Tests;

/// <summary>
/// The int16 residual stream of the AQD models (docs/aqd-models.md): Add with int16 in/out and a
/// uint8 input scaled by a power of two, and ResizeNearest2x on int16, against the plain formula
/// (exact integer adds with saturation); mixed storages the reader refuses are named.
/// </summary>
public class ResidualAddTests
{
    private const int H = 5, W = 7, C = 19;
    private const int One = 1 << 30;

    // (x << 14) * 2^30 >> (44 - e) = x * 2^e exactly; the sum is requantized with 1.0.
    private static int[] Block(int shiftA, int shiftB, bool relu)
        => GraphBuilder.AddBlock(14, new ChannelRequant(One, 44 - shiftA), new ChannelRequant(One, 44 - shiftB), new ChannelRequant(One, 30), relu);

    private static byte[] Write(ActivationFormat second)
    {
        var w = new BlobWriter();
        w.AddMetadata(SyntheticModel.Metadata());
        var g = new GraphBuilder(w);
        int x = g.AddTensor("stream", ActivationFormat.Int16(), H, W, C), u = g.AddTensor("identity", second, H, W, C);
        int s = g.AddTensor("add1", ActivationFormat.Int16(), H, W, C), t = g.AddTensor("add2", ActivationFormat.Int16(), H, W, C);
        int y = g.AddTensor("up", ActivationFormat.Int16(), 2 * H, 2 * W, C);
        g.AddInput(x);
        g.AddInput(u);
        g.AddOutput(y);
        g.AddOp(new(GraphOpType.Add, "add1", [x, u], [s], default, g.AddParams(Block(0, 3, relu: true))));
        g.AddOp(new(GraphOpType.Add, "add2", [s, s], [t], default, g.AddParams(Block(1, 0, relu: false))));
        g.AddOp(new(GraphOpType.ResizeNearest2x, "up", [t], [y], default));
        g.Finish();
        return w.ToArray();
    }

    [Fact]
    public void Int16AddsAndUpsampleMatchTheFormula()
    {
        using var engine = InferenceEngine.Load(BlobReader.Open(Write(ActivationFormat.UInt8(0)), "residual.aqd"));
        var rng = new Random(3);
        for (int round = 0; round < 3; round++)
        {
            var stream = new short[H * W * C];
            var identity = new byte[H * W * C];
            for (int i = 0; i < stream.Length; i++)
            {
                stream[i] = (short)rng.Next(short.MinValue, short.MaxValue + 1);
                identity[i] = (byte)rng.Next(256);
            }
            for (int i = 0; i < stream.Length; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(engine.Input(0)[(2 * i)..], stream[i]);
            }
            identity.CopyTo(engine.Input(1));
            engine.Run();
            var output = engine.Output(0);
            for (int yy = 0; yy < 2 * H; yy++)
            {
                for (int xx = 0; xx < 2 * W; xx++)
                {
                    for (int c = 0; c < C; c++)
                    {
                        int i = ((yy / 2) * W + xx / 2) * C + c;
                        int add1 = Math.Clamp(stream[i] + (identity[i] << 3), 0, short.MaxValue);
                        int expected = Math.Clamp(2 * add1 + add1, short.MinValue, short.MaxValue);
                        int actual = BinaryPrimitives.ReadInt16LittleEndian(output[(2 * ((yy * 2 * W + xx) * C + c))..]);
                        Assert.True(expected == actual, $"round {round}, pixel ({yy}, {xx}) channel {c}: expected {expected}, engine {actual}.");
                    }
                }
            }
        }
    }

    [Fact]
    public void Int8InputOfAnInt16AddIsRefusedByName()
    {
        var e = Assert.Throws<BlobFormatException>(() => InferenceEngine.Load(BlobReader.Open(Write(ActivationFormat.Int8(0)), "bad.aqd")));
        Assert.Equal("ops[0].inputs[1]", e.Field);
        Assert.Contains("uint8 when the output is int16", e.Message, StringComparison.Ordinal);
    }
}
