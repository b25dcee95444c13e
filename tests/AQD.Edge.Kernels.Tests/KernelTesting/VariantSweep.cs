using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.Dispatch;
using AQD.Edge.Kernels.Tensors;

namespace AQD.Edge.Kernels.Tests.KernelTesting;

/// <summary>Runs a check for every supported non-scalar variant of a family and makes sure one ran on SIMD CPUs.</summary>
public static class VariantSweep
{
    public static bool SimdCpu => Avx2.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>Calls <paramref name="check"/> for each supported variant (the scalar twin too); returns the non-scalar count.</summary>
    public static int ForEach<T>(IReadOnlyList<T> variants, Action<T> check) where T : IKernelVariant
    {
        int simd = 0;
        foreach (var v in variants)
        {
            if (!v.IsSupported)
            {
                continue;
            }
            check(v);
            if (v.Isa != KernelIsa.Scalar)
            {
                simd++;
            }
        }
        if (SimdCpu)
        {
            Assert.True(simd > 0, $"no non-scalar variant of {typeof(T).Name} ran on this SIMD-capable CPU");
        }
        return simd;
    }

    /// <summary>Random values of a container over its whole range, with the extremes at both ends.</summary>
    public static T[] RandomElements<T>(Random rng, int n, int min, int max) where T : unmanaged
    {
        var data = new T[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = ElementIo.FromInt<T>(rng.Next(min, max + 1));
        }
        if (n > 0)
        {
            data[0] = ElementIo.FromInt<T>(min);
            data[n - 1] = ElementIo.FromInt<T>(max);
        }
        if (n > 2)
        {
            data[1] = ElementIo.FromInt<T>(max);
            data[n - 2] = ElementIo.FromInt<T>(min);
        }
        return data;
    }

    public static int Int<T>(T v) where T : unmanaged => ElementIo.ToInt(v);
}
