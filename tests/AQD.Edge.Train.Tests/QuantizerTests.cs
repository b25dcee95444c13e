using static TorchSharp.torch;

namespace AQD.Edge.Train.Tests;

/// <summary>AQD's quantizers in TorchSharp: odd weight levels, 8-bit weights, activation codes, straight-through and clip gradients (hand-computed).</summary>
public sealed class QuantizerTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void WeightsTakeOddLevelsOnly(int bits)
    {
        int n = (1 << bits) - 1;
        var w = linspace(-3, 3, 601);
        var levels = Quantizers.WeightLevels(w, tensor(1.5f), bits).data<float>().ToArray();
        var expected = Enumerable.Range(0, n + 1).Select(i => (float)(2 * i - n)).ToHashSet();
        Assert.True(levels.All(expected.Contains), string.Join(",", levels.Distinct()));
        Assert.Equal(expected.Count, levels.Distinct().Count());   // every level used, no zero level
        Assert.DoesNotContain(0f, levels);
        // the fake-quant value is alpha level / n
        var q = Quantizers.Weight(w, tensor(1.5f), bits).data<float>().ToArray();
        for (int i = 0; i < q.Length; i++)
        {
            Assert.Equal(1.5f * levels[i] / n, q[i], 5);
        }
    }

    [Fact]
    public void TwoBitWeightsByHand()
    {
        // alpha 1.5, n 3: u = (clamp(w/1.5,-1,1)+1)/2*3; w = 0.1 -> u = 1.6 -> 2 -> level 1 -> 0.5
        var q = Quantizers.Weight(tensor(new[] { 0.1f, -0.1f, 2.0f, -0.9f, 0.6f }), tensor(1.5f), 2).data<float>().ToArray();
        Assert.Equal([0.5f, -0.5f, 1.5f, -0.5f, 0.5f], q);
        // -0.9: u = 0.6 -> 1 -> level -1; 0.6: u = 2.1 -> 2 -> level 1
    }

    [Fact]
    public void EightBitWeightsAreInt8Symmetric()
    {
        var levels = Quantizers.WeightLevels(tensor(new[] { 1f, -1f, 0f, 0.5f, 3f }), tensor(2f), 8).data<float>().ToArray();
        Assert.Equal([64f, -64f, 0f, 32f, 127f], levels);   // round(0.5*127)=64 (63.5 to even), round(0.25*127)=32 (31.75)
    }

    [Fact]
    public void ActivationsAreUnsignedCodesWithTheClip()
    {
        // clip 3, 2 bits: step 1; x = [-1, 0.4, 0.6, 1.5, 2.5, 7] -> codes [0, 0, 1, 2 (1.5 to even), 2 (2.5 to even), 3]
        var q = Quantizers.Activation(tensor(new[] { -1f, 0.4f, 0.6f, 1.5f, 2.5f, 7f }), tensor(3f), 2).data<float>().ToArray();
        Assert.Equal([0f, 0f, 1f, 2f, 2f, 3f], q);
    }

    [Fact]
    public void RoundingIsStraightThroughAndTheClipGetsLsqGradients()
    {
        var x = tensor(new[] { -1f, 0.4f, 1.2f, 7f }, requires_grad: true);
        var clip = tensor(3f, requires_grad: true);
        var q = Quantizers.Activation(x, clip, 2);
        q.sum().backward();
        // d q / d x: 1 inside (0, clip), 0 where clamped
        Assert.Equal([0f, 1f, 1f, 0f], x.grad!.data<float>().ToArray());
        // d q / d clip = (round(u) - u) / n inside, 1 above, 0 below; u = 3x/clip: 0.4 -> u 0.4, (0-0.4)/3; 1.2 -> u 1.2, (1-1.2)/3
        // times LSQ's gradient scale 1/sqrt(numel/batch * n) = 1/sqrt(4/4... ) with x.shape[0] = 4 -> numel/shape0 = 1 -> 1/sqrt(3)
        double expected = (-0.4 / 3 - 0.2 / 3 + 1) / Math.Sqrt(3);
        Assert.Equal(expected, clip.grad!.item<float>(), 5);
    }

    [Fact]
    public void WeightClipGradientFollowsTheQuantizationError()
    {
        var w = tensor(new[] { 0.2f, 2.0f }, requires_grad: true);
        var alpha = tensor(1.5f, requires_grad: true);
        Quantizers.Weight(w, alpha, 2).sum().backward();
        // w=0.2: u = (0.2/1.5+1)/2*3 = 1.7 -> 2, q = a(2*2/3-1) = a/3: dq/da = 1/3 + a*(2/3)*du/da, du/da = -3/2 * w/a^2
        //   = 1/3 - w/a = 1/3 - 0.1333 = 0.2; w=2.0 clamped: q = a -> 1. Gradient scale 1/sqrt(2*3).
        Assert.Equal((0.2 + 1) / Math.Sqrt(6), alpha.grad!.item<float>(), 4);
        Assert.Equal([1f, 0f], w.grad!.data<float>().ToArray());
    }
}
