using System.Globalization;
using AQD.Edge.Kernels.Conv;

namespace AQD.Edge.Bench.Conv;

/// <summary>A named convolution shape to benchmark (batch 1, "same" padding for custom shapes).</summary>
public sealed record ConvShape(string Name, ConvGeometry Geometry)
{
    /// <summary>ResNet stage-3 3x3 conv: 28x28, 256 -> 256.</summary>
    public static ConvShape ResNet3x3 { get; } = new("3x3 256->256 28x28", ConvGeometry.Same(28, 28, 256, 256, 3));

    /// <summary>ResNet bottleneck 1x1 reduce: 14x14, 1024 -> 256.</summary>
    public static ConvShape Pointwise1x1 { get; } = new("1x1 1024->256 14x14", ConvGeometry.Same(14, 14, 1024, 256, 1));

    public static IReadOnlyList<ConvShape> Defaults { get; } = [ResNet3x3, Pointwise1x1];

    public string Describe()
    {
        var g = Geometry;
        return $"{g.InHeight}x{g.InWidth}x{g.InChannels} -> {g.OutHeight}x{g.OutWidth}x{g.OutChannels}, " +
               $"k{g.KernelH}x{g.KernelW} s{g.StrideH} pad {g.PadTop}, {g.Macs / 1e6:F1} MMAC";
    }

    /// <summary>
    /// Parses <c>HxWxCin:Cout:k[:stride]</c>, e.g. <c>56x56x64:64:3</c> or <c>14x14x1024:256:1</c>
    /// ("same" padding k/2).
    /// </summary>
    public static ConvShape Parse(string text)
    {
        string[] parts = text.Split(':');
        string[] hwc = parts[0].Split('x');
        if (parts.Length is < 3 or > 4 || hwc.Length != 3)
        {
            throw new FormatException($"Shape '{text}' is not HxWxCin:Cout:k[:stride] (e.g. 56x56x64:64:3).");
        }
        int P(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
            : throw new FormatException($"Shape '{text}': '{s}' is not a positive integer (format HxWxCin:Cout:k[:stride]).");
        int h = P(hwc[0]), w = P(hwc[1]), cin = P(hwc[2]), cout = P(parts[1]), k = P(parts[2]);
        int stride = parts.Length == 4 ? P(parts[3]) : 1;
        var g = ConvGeometry.Same(h, w, cin, cout, k, stride);
        g.Validate($"shape '{text}'");
        return new ConvShape($"{k}x{k} {cin}->{cout} {h}x{w}" + (stride > 1 ? $" s{stride}" : ""), g);
    }
}
