using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Kernels.Tests.Dispatch;

public class KernelIsaReportTests(ITestOutputHelper output)
{
    [Fact]
    public void ScalarIsAlwaysAvailable()
    {
        output.WriteLine("ISA paths on this CPU: " + string.Join(", ", KernelIsaSupport.Available.Select(KernelIsaSupport.Name)));
        Assert.Contains(KernelIsa.Scalar, KernelIsaSupport.Available);
    }
}
