using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Elementwise;
using AQD.Edge.Kernels.Pooling;
using AQD.Edge.Kernels.Preparation;
using AQD.Edge.Kernels.Resize;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Kernels.Tests.KernelTesting;

namespace AQD.Edge.Kernels.Tests.Elementwise;

/// <summary>
/// The families' dispatched entries (KernelTable.Select) give the scalar twin's result. Which variant
/// is selected depends on the (global, possibly forced by other tests) KernelTable state, so only
/// the result is asserted here; the variant sweeps cover each variant.
/// </summary>
public class DispatchedEntryTests
{
    [Fact]
    public void EveryFamilyListsASupportedSimdVariantAndDispatchMatchesScalar()
    {
        if (VariantSweep.SimdCpu)
        {
            Assert.Contains(QuantizedAddKernels.Variants, v => v.IsSupported && v.Isa != KernelIsa.Scalar);
            Assert.Contains(MaxPoolKernels.Variants, v => v.IsSupported && v.Isa != KernelIsa.Scalar);
            Assert.Contains(GlobalAveragePoolKernels.Variants, v => v.IsSupported && v.Isa != KernelIsa.Scalar);
            Assert.Contains(BilinearKernels.Variants, v => v.IsSupported && v.Isa != KernelIsa.Scalar);
        }
        var rng = new Random(7);
        byte[] a = VariantSweep.RandomElements<byte>(rng, 6 * 5 * 20, 0, 255), b = VariantSweep.RandomElements<byte>(rng, a.Length, 0, 255);

        var add = QuantizedAddPreparation.Prepare(ActivationFormat.UInt8(10), 0.1, ActivationFormat.UInt8(200), 0.3, ActivationFormat.UInt8(5), 0.25, true, a.Length);
        byte[] x = new byte[a.Length], y = new byte[a.Length];
        QuantizedAddKernels.Run(add, a, b, x.AsSpan());
        QuantizedAddKernels.Scalar.Run(add, a, b, y.AsSpan());
        Assert.Equal(y, x);

        var pool = new MaxPoolParams(PoolGeometry.Square(1, 6, 5, 20, 3, 2, 1), ActivationFormat.UInt8(0));
        x = new byte[pool.Geometry.OutputElements];
        y = new byte[x.Length];
        MaxPoolKernels.Run(pool, a, x.AsSpan());
        MaxPoolKernels.Scalar.Run(pool, a, y.AsSpan());
        Assert.Equal(y, x);

        var gap = GlobalAveragePoolPreparation.Prepare(1, 6, 5, 20, ActivationFormat.UInt8(3), 0.1, ActivationFormat.UInt8(9), 0.05);
        x = new byte[20];
        y = new byte[20];
        GlobalAveragePoolKernels.Run(gap, a, x.AsSpan());
        GlobalAveragePoolKernels.Scalar.Run(gap, a, y.AsSpan());
        Assert.Equal(y, x);

        var resize = new BilinearParams(1, 6, 5, 9, 11, 20, ActivationFormat.UInt8(0));
        x = new byte[resize.OutputElements];
        y = new byte[x.Length];
        BilinearKernels.Run(resize, a, x.AsSpan());
        BilinearKernels.Scalar.Run(resize, a, y.AsSpan());
        Assert.Equal(y, x);
    }
}
