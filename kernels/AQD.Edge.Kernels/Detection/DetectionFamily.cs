// Detector families the integer decoder serves (the DETC section's `family` field).
namespace AQD.Edge.Kernels.Detection;

/// <summary>How a detector's head outputs become boxes.</summary>
public enum DetectionFamily
{
    /// <summary>GFL / NanoDet: per-side distribution over regMax + 1 bins, softmax-weighted integral x stride.</summary>
    Gfl = 1,
    /// <summary>FCOS: per-side distances (a table turns the raw value into pixels), centerness re-weights the score.</summary>
    Fcos = 2,
    /// <summary>RetinaNet: anchors + (dx, dy, dw, dh) deltas, exp(dw) / exp(dh) through a table.</summary>
    RetinaNet = 3,
}
