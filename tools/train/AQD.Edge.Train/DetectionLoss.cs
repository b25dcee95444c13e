using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace AQD.Edge.Train;

/// <summary>Loss terms of one batch (the total is what is minimized).</summary>
public sealed record LossTerms(Tensor Total, double Cls, double Box, double Ctr, int Positives);

/// <summary>
/// FCOS: focal loss over all locations / #positives, GIoU on positives weighted by the centerness
/// target / its sum, centerness BCE / #positives. RetinaNet: focal loss over non-ignored anchors /
/// #positives, smooth L1 (beta 0.1) on positive deltas / #positives.
/// </summary>
public static class DetectionLoss
{
    public static Tensor Flatten(IEnumerable<Tensor> levels, int per)
        => cat([.. levels.Select(t => t.permute(0, 2, 3, 1).reshape(t.shape[0], -1, per))], 1).reshape(-1, per);

    public static LossTerms Compute(ModelConfig c, LevelOutput[] outs, BatchTargets t)
    {
        int nc = c.NumClasses;
        var cls = Flatten(outs.Select(o => o.Cls), nc);
        var labels = tensor(t.Labels, dtype: ScalarType.Int64);
        double npos = Math.Max(1, t.NumPositive);
        var valid = labels.ne(-2);
        var onehot = zeros(labels.shape[0], nc + 1);
        onehot.scatter_(1, labels.clamp(-1, nc - 1).add(1).unsqueeze(1), ones(labels.shape[0], 1));   // column 0: background
        var target = onehot[.., 1..];
        var lossCls = Losses.SigmoidFocal(cls[valid], target[valid]) / npos;
        var pos = labels.ge(0);
        var posIdx = pos.nonzero().squeeze(1);
        Tensor lossBox, lossCtr;
        if (c.Fcos)
        {
            var strides = Flatten(outs.Select((o, l) => full(o.Box.shape[0], 1, o.Box.shape[2], o.Box.shape[3], (float)ModelConfig.Strides[l])), 1);
            var box = Flatten(outs.Select(o => o.Box), 4) * strides;
            var ctr = Flatten(outs.Select(o => o.Ctr!), 1).squeeze(1);
            var reg = tensor(t.Box).reshape(-1, 4);
            if (t.NumPositive > 0)
            {
                var tb = reg.index_select(0, posIdx);
                var ctrT = Losses.Centerness(tb);
                lossBox = (Losses.GIoU(box.index_select(0, posIdx), tb) * ctrT).sum() / ctrT.sum().clamp_min(1e-6);
                lossCtr = binary_cross_entropy_with_logits(ctr.index_select(0, posIdx), ctrT, reduction: nn.Reduction.Sum) / npos;
            }
            else
            {
                lossBox = box.sum() * 0;
                lossCtr = ctr.sum() * 0;
            }
        }
        else
        {
            var box = Flatten(outs.Select(o => o.Box), 4);
            var deltas = tensor(t.Box).reshape(-1, 4);
            lossBox = t.NumPositive > 0 ? Losses.SmoothL1(box.index_select(0, posIdx), deltas.index_select(0, posIdx), 0.1) / npos : box.sum() * 0;
            lossCtr = zeros(1).sum();
        }
        var total = lossCls + lossBox + lossCtr;
        return new LossTerms(total, lossCls.item<float>(), lossBox.item<float>(), lossCtr.item<float>(), t.NumPositive);
    }
}
