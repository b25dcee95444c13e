using System.Globalization;
using Spectre.Console;

namespace AQD.Edge.Profiling;

/// <summary>Renders a <see cref="ProfileReport"/> as Spectre.Console tables: per layer, per group, totals.</summary>
public static class ProfileTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The per-layer table (step, op, type, shape, bits, MMAC, median ms, share, GMAC/s, group).</summary>
    public static Table Layers(ProfileReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{Markup.Escape(Path.GetFileName(report.Model))}: {report.Threads} thread(s), median of {report.Iterations} after {report.Warmup} warm-up");
        table.AddColumns("#", "op", "type", "shape", "bits", "MMAC", "ms", "share", "GMAC/s", "group");
        foreach (int c in new[] { 0, 5, 6, 7, 8 })
        {
            table.Columns[c].RightAligned();
        }
        foreach (var r in report.Layers)
        {
            table.AddRow(r.Step.ToString(Inv), Markup.Escape(r.Name), r.OpType, r.Shape, r.Bits,
                r.Macs > 0 ? (r.Macs / 1e6).ToString("F2", Inv) : "", r.MedianMs.ToString("F3", Inv),
                r.SharePercent.ToString("F1", Inv) + "%", r.Macs > 0 ? r.GmacPerSecond.ToString("F2", Inv) : "", r.Group.ToString());
        }
        return table;
    }

    /// <summary>Per-group shares and the whole run's min / median / p95.</summary>
    public static Table Summary(ProfileReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table().Border(TableBorder.Rounded).Title("total");
        table.AddColumns("", "layers", "GMAC", "ms", "share");
        foreach (int c in new[] { 1, 2, 3, 4 })
        {
            table.Columns[c].RightAligned();
        }
        foreach (var g in report.Groups)
        {
            table.AddRow(g.Group.ToString(), g.Layers.ToString(Inv), (g.Macs / 1e9).ToString("F3", Inv), g.MedianMs.ToString("F3", Inv),
                g.SharePercent.ToString("F1", Inv) + "%");
        }
        var t = report.Total;
        table.AddRow("[bold]inference[/]", report.Layers.Count.ToString(Inv), (report.Macs / 1e9).ToString("F3", Inv),
            $"min {t.MinMs.ToString("F3", Inv)} / median {t.MedianMs.ToString("F3", Inv)} / p95 {t.P95Ms.ToString("F3", Inv)}",
            $"{report.GmacPerSecond.ToString("F2", Inv)} GMAC/s");
        return table;
    }

    public static void Write(IAnsiConsole console, ProfileReport report)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.Write(Layers(report));
        console.Write(Summary(report));
        console.MarkupLine(Markup.Escape($"{report.Machine.Architecture}, {report.Machine.ProcessorCount} cpu(s), kernels {report.Machine.KernelIsa}, {report.Machine.Runtime}"));
    }
}
