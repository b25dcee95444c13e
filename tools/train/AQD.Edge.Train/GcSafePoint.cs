using System.Runtime;

namespace AQD.Edge.Train;

/// <summary>
/// Keeps garbage collections (and the finalizers they schedule) out of TorchSharp's native calls.
/// TorchSharp 0.107 turns numeric arguments (x * 0.5, clamp(0, 1), the implicit alpha of add) into
/// native Scalar objects that become unreachable once their handle is passed; a GC at that moment
/// lets the finalizer free the scalar while libtorch reads it ("Unknown scalar type" in add, seen here
/// after ~600 iterations; ../shared/reference/toolchain.md). <see cref="Enter"/>, called between steps
/// (no native call in flight on this thread), collects and runs pending finalizers, then opens a
/// no-GC region large enough for one step, so collections happen here and not in the middle of a step.
/// If a step allocates more than the budget the runtime ends the region and collects as usual.
/// </summary>
public static class GcSafePoint
{
    private static readonly long[] Budgets = [192L << 20, 96L << 20, 32L << 20];

    public static void Enter()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // the region had already ended (a step allocated more than the budget)
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        foreach (long budget in Budgets)
        {
            try
            {
                if (GC.TryStartNoGCRegion(budget))
                {
                    return;
                }
            }
            catch (ArgumentOutOfRangeException)
            {
                // budget above what this GC configuration allows: try a smaller one
            }
            catch (InvalidOperationException)
            {
                return;
            }
        }
    }

    /// <summary>Leaves the no-GC region (end of training or evaluation).</summary>
    public static void Exit()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
