using static TorchSharp.torch;

namespace AQD.Edge.Train.Tests;

/// <summary>The detection losses against hand-computed values.</summary>
public sealed class LossTests
{
    [Fact]
    public void FocalLossByHand()
    {
        // logit 0 (p = 0.5), target 1: 0.25 * (0.5)^2 * ln 2; target 0: 0.75 * 0.25 * ln 2
        Assert.Equal(0.25 * 0.25 * Math.Log(2), Losses.SigmoidFocal(tensor(new[] { 0f }), tensor(new[] { 1f })).item<float>(), 5);
        Assert.Equal(0.75 * 0.25 * Math.Log(2), Losses.SigmoidFocal(tensor(new[] { 0f }), tensor(new[] { 0f })).item<float>(), 5);
        // logit 2, target 0: p = 0.8808, ce = ln(1 + e^2) = 2.1269, 0.75 * p^2 * ce
        double p = 1 / (1 + Math.Exp(-2));
        Assert.Equal(0.75 * p * p * Math.Log(1 + Math.Exp(2)), Losses.SigmoidFocal(tensor(new[] { 2f }), tensor(new[] { 0f })).item<float>(), 4);
    }

    [Fact]
    public void GIoUByHand()
    {
        var same = Losses.GIoU(tensor(new[,] { { 10f, 10f, 10f, 10f } }), tensor(new[,] { { 10f, 10f, 10f, 10f } }));
        Assert.Equal(0, same.item<float>(), 5);
        // pred 20x20 inside target 40x40 with the same point centred: inter 400, union 1600, IoU (400+1)/(1600+1), enclosing = union
        var inner = Losses.GIoU(tensor(new[,] { { 10f, 10f, 10f, 10f } }), tensor(new[,] { { 20f, 20f, 20f, 20f } }));
        Assert.Equal(1 - 401.0 / 1601, inner.item<float>(), 5);
        // pred l=0,t=10,r=10,b=0 (box [x, x+10] x [y-10, y]); target l=10,t=0,r=0,b=10 (box [x-10, x] x [y, y+10]):
        // no overlap, union 200, enclosing 20x20 = 400: GIoU = 1/201 - 200/400
        var apart = Losses.GIoU(tensor(new[,] { { 0f, 10f, 10f, 0f } }), tensor(new[,] { { 10f, 0f, 0f, 10f } }));
        Assert.Equal(1 - (1.0 / 201 - 200.0 / 400), apart.item<float>(), 4);
    }

    [Fact]
    public void CenternessAndSmoothL1ByHand()
    {
        Assert.Equal(Math.Sqrt(1.0 / 3 * 1.0), Losses.Centerness(tensor(new[,] { { 10f, 5f, 30f, 5f } })).item<float>(), 5);
        // |d| = 0.05 < beta 0.1: 0.5 * 0.0025 / 0.1 = 0.0125; |d| = 1: 1 - 0.05
        Assert.Equal(0.0125 + 0.95, Losses.SmoothL1(tensor(new[] { 0.05f, 1f }), tensor(new[] { 0f, 0f }), 0.1).item<float>(), 5);
    }
}
