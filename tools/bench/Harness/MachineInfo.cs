using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AQD.Edge.Kernels.Dispatch;

namespace AQD.Edge.Bench.Harness;

/// <summary>What the numbers were measured on: CPU model, cores, ISA flags .NET reports, runtime.</summary>
public sealed record MachineInfo(
    string CpuModel, int LogicalCores, string Architecture, string Os, string Runtime,
    string[] CpuFlags, string[] IsaFlags, string[] KernelIsas, string? ForcedKernelIsa, string OnnxRuntimeVersion)
{
    public static MachineInfo Detect(string onnxRuntimeVersion) => new(
        ReadCpuModel(),
        Environment.ProcessorCount,
        RuntimeInformation.ProcessArchitecture.ToString(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        ReadCpuFlags(),
        IsaFlagsAvailable(),
        [.. KernelIsaSupport.Available.Select(KernelIsaSupport.Name)],
        KernelTable.Forced is { } f ? KernelIsaSupport.Name(f) : null,
        onnxRuntimeVersion);

    private static string ReadCpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                // x86: "model name"; ARM64 kernels: "Model" (board) or "CPU part".
                if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Model", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':') + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return "unknown";
    }

    // SIMD features the kernel reports (/proc/cpuinfo "flags" on x86, "Features" on ARM64) that
    // matter for int8 GEMM: ONNX Runtime's MLAS uses some that .NET has no class for (AVX512-VNNI).
    private static readonly string[] InterestingCpuFlags =
    [
        "avx2", "fma", "avx_vnni", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "amx_int8",
        "asimd", "asimddp", "i8mm", "sve", "sve2",
    ];

    private static string[] ReadCpuFlags()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal) || line.StartsWith("Features", StringComparison.Ordinal))
                {
                    var have = line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
                    return [.. InterestingCpuFlags.Where(have.Contains)];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return [];
    }

    private static string[] IsaFlagsAvailable()
    {
        var flags = new (string Name, bool On)[]
        {
            ("Sse41", Sse41.IsSupported), ("Sse42", Sse42.IsSupported), ("Avx", Avx.IsSupported),
            ("Avx2", Avx2.IsSupported), ("Fma", Fma.IsSupported), ("AvxVnni", AvxVnni.IsSupported),
            ("Avx512F", Avx512F.IsSupported), ("Avx512BW", Avx512BW.IsSupported), ("Avx10v1", Avx10v1.IsSupported),
            ("AdvSimd", AdvSimd.IsSupported), ("AdvSimd.Arm64", AdvSimd.Arm64.IsSupported), ("Dp", Dp.IsSupported),
            ("Rdm", Rdm.IsSupported),
        };
        return [.. flags.Where(f => f.On).Select(f => f.Name)];
    }
}
