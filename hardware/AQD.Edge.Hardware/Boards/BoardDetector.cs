using AQD.Edge.Hardware.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AQD.Edge.Hardware.Boards;

/// <summary>
/// Finds the board from the device-tree model string (/proc/device-tree/model, else
/// /sys/firmware/devicetree/base/model) and, for Jetson, /etc/nv_tegra_release. All paths are under
/// an injectable root so tests can use a fake tree.
/// </summary>
public static class BoardDetector
{
    /// <summary>Paths read, relative to the root.</summary>
    public static readonly string[] ModelFiles = ["proc/device-tree/model", "sys/firmware/devicetree/base/model"];
    /// <summary>Jetson release file, relative to the root.</summary>
    public const string TegraRelease = "etc/nv_tegra_release";

    /// <summary>
    /// The board profile: <paramref name="overrideKind"/> when given (configuration wins), else detected.
    /// </summary>
    public static BoardProfile Detect(string root = "/", BoardKind? overrideKind = null, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        if (overrideKind is BoardKind forced)
        {
            var p = BoardProfile.For(forced);
            Log.BoardDetected(logger, p.Name, "configured");
            return p;
        }
        string? model = ReadModel(root);
        var kind = Classify(model, File.Exists(Path.Combine(root, TegraRelease)));
        var profile = BoardProfile.For(kind);
        Log.BoardDetected(logger, profile.Name, model is null ? "no device-tree model" : $"model \"{model}\"");
        return profile;
    }

    /// <summary>The device-tree model string (trailing NULs removed), or null.</summary>
    public static string? ReadModel(string root)
    {
        foreach (var rel in ModelFiles)
        {
            string path = Path.Combine(root, rel);
            try
            {
                if (!File.Exists(path)) continue;
                string text = File.ReadAllText(path).Trim('\0', ' ', '\n', '\r');
                if (text.Length > 0) return text;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // unreadable: try the next one
            }
        }
        return null;
    }

    /// <summary>Board kind from a model string and the presence of the Tegra release file.</summary>
    public static BoardKind Classify(string? model, bool hasTegraRelease)
    {
        if (model is not null)
        {
            if (model.Contains("Raspberry Pi 5", StringComparison.OrdinalIgnoreCase)) return BoardKind.RaspberryPi5;
            if (model.Contains("Raspberry Pi 4", StringComparison.OrdinalIgnoreCase) ||
                model.Contains("Raspberry Pi Compute Module 4", StringComparison.OrdinalIgnoreCase)) return BoardKind.RaspberryPi4;
            if (model.Contains("Orin Nano", StringComparison.OrdinalIgnoreCase)) return BoardKind.JetsonOrinNano;
        }
        // Other Jetsons (and Orin Nano images without a model string) are closest to the Orin Nano profile.
        return hasTegraRelease ? BoardKind.JetsonOrinNano : BoardKind.Generic;
    }
}
