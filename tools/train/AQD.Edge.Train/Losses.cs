using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace AQD.Edge.Train;

/// <summary>The detection losses of the papers: sigmoid focal loss, GIoU (FCOS boxes), smooth L1 (RetinaNet deltas), centerness BCE.</summary>
public static class Losses
{
    public const double FocalAlpha = 0.25, FocalGamma = 2.0;

    /// <summary>Sigmoid focal loss summed over all elements (Lin et al.): -alpha_t (1 - p_t)^gamma log p_t.</summary>
    public static Tensor SigmoidFocal(Tensor logits, Tensor targets, double alpha = FocalAlpha, double gamma = FocalGamma)
    {
        var p = logits.sigmoid();
        var ce = binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None);
        var pt = p * targets + (1 - p) * (1 - targets);
        var at = alpha * targets + (1 - alpha) * (1 - targets);
        return (at * ce * (1 - pt).pow(gamma)).sum();
    }

    /// <summary>Per-row GIoU loss 1 - GIoU of ltrb distances from the same point ([K, 4], pixels), as AdelaiDet's IOULoss ("giou").</summary>
    public static Tensor GIoU(Tensor pred, Tensor target)
    {
        var (pl, pt, pr, pb) = (pred[.., 0], pred[.., 1], pred[.., 2], pred[.., 3]);
        var (tl, tt, tr, tb) = (target[.., 0], target[.., 1], target[.., 2], target[.., 3]);
        var targetArea = (tl + tr) * (tt + tb);
        var predArea = (pl + pr) * (pt + pb);
        var wi = minimum(pl, tl) + minimum(pr, tr);
        var hi = minimum(pb, tb) + minimum(pt, tt);
        var gw = maximum(pl, tl) + maximum(pr, tr);
        var gh = maximum(pb, tb) + maximum(pt, tt);
        var inter = wi * hi;
        var union = targetArea + predArea - inter;
        var iou = (inter + 1) / (union + 1);
        var enclose = gw * gh + 1e-7;
        var giou = iou - (enclose - union) / enclose;
        return 1 - giou;
    }

    /// <summary>FCOS centerness of ltrb targets: sqrt(min(l,r)/max(l,r) min(t,b)/max(t,b)).</summary>
    public static Tensor Centerness(Tensor t)
    {
        var lr = minimum(t[.., 0], t[.., 2]) / maximum(t[.., 0], t[.., 2]);
        var tb = minimum(t[.., 1], t[.., 3]) / maximum(t[.., 1], t[.., 3]);
        return (lr * tb).sqrt();
    }

    /// <summary>Smooth L1 (Huber with transition beta), summed.</summary>
    public static Tensor SmoothL1(Tensor pred, Tensor target, double beta)
    {
        var d = (pred - target).abs();
        return where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).sum();
    }
}
