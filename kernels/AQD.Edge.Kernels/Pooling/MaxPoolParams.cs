// Max pool parameters. Layout NHWC uint8 (byte) or int8 (sbyte), input and output in the same
// format (max commutes with the monotone quantization, so no rescaling). No accumulator, no rounding.
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Pooling;

/// <summary>Validated parameters of one max pool.</summary>
public sealed class MaxPoolParams
{
    public MaxPoolParams(PoolGeometry geometry, ActivationFormat format)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        geometry.Validate("MaxPool");
        if (format.Storage is not (ActivationStorage.UInt8 or ActivationStorage.Int8))
        {
            throw new ArgumentException($"MaxPool: format = {format} is not supported (uint8 / unsigned or int8).", nameof(format));
        }
        Geometry = geometry;
        Format = format;
    }

    public PoolGeometry Geometry { get; }
    public ActivationFormat Format { get; }
}
