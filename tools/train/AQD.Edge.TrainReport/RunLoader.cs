using System.Text.Json;

namespace AQD.Edge.TrainReport;

/// <summary>
/// Reads an <c>aqd-train run</c> folder (metrics.json, optional model.aqd) or a metrics.json file
/// (named after its folder; a <c>NAME.json</c> file is named NAME). Every field the report uses is
/// checked: a missing file, bad JSON, a missing field or a value of the wrong kind or range throws
/// <see cref="ReportInputException"/> naming the file and the field (e.g. <c>engineAp.AP75</c>).
/// </summary>
public static class RunLoader
{
    public const string MetricsFile = "metrics.json";
    public const string BlobFile = "model.aqd";

    public static TrainRun Load(string path)
    {
        string metrics, name;
        string? blob = null;
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            throw new ReportInputException($"{path}: no such run folder or metrics file.");
        }
        if (Directory.Exists(path))
        {
            metrics = Path.Combine(path, MetricsFile);
            name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
            string b = Path.Combine(path, BlobFile);
            blob = File.Exists(b) ? b : null;
        }
        else
        {
            metrics = path;
            name = string.Equals(Path.GetFileName(path), MetricsFile, StringComparison.Ordinal)
                ? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? path
                : Path.GetFileNameWithoutExtension(path);
            string b = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", BlobFile);
            blob = string.Equals(Path.GetFileName(path), MetricsFile, StringComparison.Ordinal) && File.Exists(b) ? b : null;
        }
        if (!File.Exists(metrics))
        {
            throw new ReportInputException($"{metrics}: no such file (expected an aqd-train run folder with {MetricsFile}, or a metrics JSON file).");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(metrics));
        }
        catch (JsonException e)
        {
            throw new ReportInputException($"{metrics}: not valid JSON ({e.Message}).", e);
        }
        using (doc)
        {
            return Parse(doc.RootElement, metrics, name, blob);
        }
    }

    private static TrainRun Parse(JsonElement root, string file, string name, string? blob)
    {
        var f = new Fields(root, file);
        int familyCode = f.Family("model.Family");
        var run = new TrainRun
        {
            Name = name, MetricsPath = file, BlobPath = blob,
            Family = familyCode == 0 ? "FCOS" : "RetinaNet",
            Bits = f.Int("model.Bits", 2, 8),
            SharedHeadBn = f.Bool("model.SharedHeadBn"),
            ImageSize = f.Int("model.ImageSize", 32, 4096),
            BackboneWidth = f.Int("model.BackboneWidth", 1, 4096),
            FpnChannels = f.Int("model.FpnChannels", 1, 4096),
            HeadConvs = f.Int("model.HeadConvs", 0, 64),
            FloatIterations = f.Int("floatPhase.Iterations", 0, int.MaxValue),
            FloatSeconds = f.Double("floatPhase.Seconds", 0, double.MaxValue),
            QatIterations = f.Int("qatPhase.Iterations", 1, int.MaxValue),
            QatSeconds = f.Double("qatPhase.Seconds", 0, double.MaxValue),
            FloatAp = f.Ap("floatAp"), QatAp = f.Ap("qatAp"), FoldedAp = f.Ap("foldedAp"), EngineAp = f.Ap("engineAp"),
            CodesEqual = f.Long("codesEqual", 0, long.MaxValue),
            CodesTotal = f.Long("codesTotal", 1, long.MaxValue),
            BlobBytes = f.Long("blobBytes", 1, long.MaxValue),
            ValImages = f.Int("valImages", 1, int.MaxValue),
        };
        if (run.CodesEqual > run.CodesTotal)
        {
            throw new ReportInputException($"{file}: field 'codesEqual' ({run.CodesEqual}) exceeds 'codesTotal' ({run.CodesTotal}).");
        }
        return run;
    }

    /// <summary>Dotted-path access to the JSON fields with errors that name file and field.</summary>
    private readonly struct Fields(JsonElement root, string file)
    {
        private JsonElement Get(string path)
        {
            var e = root;
            foreach (var part in path.Split('.'))
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
                {
                    throw new ReportInputException($"{file}: field '{path}' is missing.");
                }
            }
            return e;
        }

        private ReportInputException Bad(string path, JsonElement e, string want)
            => new($"{file}: field '{path}' is {Describe(e)}, expected {want}.");

        private static string Describe(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => $"\"{e.GetString()}\"",
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
            var k => k.ToString().ToLowerInvariant(),
        };

        public double Double(string path, double min, double max)
        {
            var e = Get(path);
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out double v) || !double.IsFinite(v))
            {
                throw Bad(path, e, "a finite number");
            }
            if (v < min || v > max)
            {
                throw Bad(path, e, $"a number in [{min}, {max}]");
            }
            return v;
        }

        public long Long(string path, long min, long max)
        {
            var e = Get(path);
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < min || v > max)
            {
                throw Bad(path, e, $"an integer in [{min}, {max}]");
            }
            return v;
        }

        public int Int(string path, int min, int max) => (int)Long(path, min, max);

        public bool Bool(string path)
        {
            var e = Get(path);
            return e.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Bad(path, e, "true or false"),
            };
        }

        /// <summary>AqdFamily as the trainer serializes it (0 = Fcos, 1 = RetinaNet) or by name.</summary>
        public int Family(string path)
        {
            var e = Get(path);
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) && v is 0 or 1)
            {
                return v;
            }
            if (e.ValueKind == JsonValueKind.String)
            {
                switch (e.GetString()?.ToLowerInvariant())
                {
                    case "fcos": return 0;
                    case "retinanet": return 1;
                }
            }
            throw Bad(path, e, "0 (FCOS), 1 (RetinaNet), \"Fcos\" or \"RetinaNet\"");
        }

        /// <summary>APs in [0, 1]; the size-range APs may be -1 (COCO's "no object of that size"), kept as NaN.</summary>
        public ApFigures Ap(string path) => new(
            Double(path + ".AP", 0, 1), Double(path + ".AP50", 0, 1), Double(path + ".AP75", 0, 1),
            SizeAp(path + ".APs"), SizeAp(path + ".APm"));

        private double SizeAp(string path)
        {
            double v = Double(path, -1, 1);
            if (v < 0 && v != -1)
            {
                throw Bad(path, Get(path), "-1 or a number in [0, 1]");
            }
            return v < 0 ? double.NaN : v;
        }
    }
}
