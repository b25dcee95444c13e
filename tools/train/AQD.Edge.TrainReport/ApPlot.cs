using ScottPlot;

namespace AQD.Edge.TrainReport;

/// <summary>
/// PNG plot (ScottPlot 5): COCO AP x100 against bit width (float, 4, 3, 2 on a categorical axis) per
/// family, a solid line through the multi-level BN models (float model, then the integer engine's AP of
/// each packed model) and, dashed with open markers, the shared-BN float model and its 2-bit point.
/// Of runs with the same (family, bits, head BN) it plots the one given last, like the goals.
/// </summary>
public static class ApPlot
{
    public const int DefaultWidth = 900;
    public const int DefaultHeight = 560;

    private static readonly int[] BitAxis = [8, 4, 3, 2];

    /// <summary>Axis position of a model: float 0, then 8 (if any), 4, 3, 2 bits.</summary>
    private static double X(int? bits, bool has8) => bits switch
    {
        null => 0,
        8 => 1,
        int b => (has8 ? 1 : 0) + Array.IndexOf(BitAxis, b),
    };

    /// <param name="title">null: "AQD detectors on SxS MNIST digit scenes: AP vs bit width" (S of the runs).</param>
    public static void Write(string path, IReadOnlyList<TrainRun> runs, string? title, int width = DefaultWidth, int height = DefaultHeight)
    {
        var sizes = runs.Select(r => r.ImageSize).Distinct().Order().ToList();
        title ??= $"AQD detectors on {string.Join(" / ", sizes.Select(s => $"{s}x{s}"))} MNIST digit scenes: AP vs bit width";
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 150);
        var latest = ResultsTable.Latest(runs);
        bool has8 = latest.Any(r => r.Bits == 8);
        var plot = new Plot();
        var colors = new Dictionary<string, Color> { ["FCOS"] = Colors.C0, ["RetinaNet"] = Colors.C1 };
        double yMax = 0;
        foreach (var fam in latest.Select(r => r.Family).Distinct().OrderBy(f => f == "FCOS" ? 0 : 1))
        {
            foreach (bool shared in new[] { false, true })
            {
                var group = latest.Where(r => r.Family == fam && r.SharedHeadBn == shared).OrderByDescending(r => r.Bits).ToList();
                if (group.Count == 0)
                {
                    continue;
                }
                // The float model: the group's runs share it when they started from one float.pth; a trained one wins.
                var floatSrc = group.LastOrDefault(r => r.FloatIterations > 0) ?? group[0];
                var xs = new List<double> { X(null, has8) };
                var ys = new List<double> { floatSrc.FloatAp.AP * 100 };
                foreach (var r in group)
                {
                    xs.Add(X(r.Bits, has8));
                    ys.Add(r.EngineAp.AP * 100);
                }
                yMax = Math.Max(yMax, ys.Max());
                var s = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), colors.GetValueOrDefault(fam, Colors.C2));
                s.LegendText = shared ? $"{fam}, shared head BN" : $"{fam}, multi-level BN";
                s.MarkerSize = shared ? 13 : 9;
                s.MarkerShape = shared ? MarkerShape.OpenSquare : MarkerShape.FilledCircle;
                s.LineWidth = 2;
                s.LinePattern = shared ? LinePattern.Dashed : LinePattern.Solid;
                for (int i = 0; i < xs.Count; i++)
                {
                    var t = plot.Add.Text(ys[i].ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), xs[i], ys[i]);
                    t.LabelFontSize = 12;
                    t.LabelFontColor = colors.GetValueOrDefault(fam, Colors.C2);
                    t.LabelAlignment = shared ? Alignment.UpperLeft : Alignment.LowerRight;
                    t.OffsetX = shared ? 8 : -6;
                    t.OffsetY = shared ? 6 : -6;
                }
            }
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ticks.AddMajor(0, "float");
        foreach (int b in BitAxis.Where(b => b != 8 || has8))
        {
            ticks.AddMajor(X(b, has8), $"{b}-bit (M{b}F8L8)");
        }
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(-0.4, X(2, has8) + 0.4);
        plot.Axes.SetLimitsY(0, Math.Max(5, Math.Ceiling(yMax / 5 + 0.6) * 5));
        plot.Font.Set(Fonts.Sans);
        plot.Title(title);
        plot.XLabel("precision (b-bit middle layers, 8-bit first / last layers)");
        plot.YLabel("COCO AP x100 (val; integer engine for b-bit)");
        plot.ShowLegend(Alignment.LowerLeft);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }
        plot.SavePng(path, width, height);
    }
}
