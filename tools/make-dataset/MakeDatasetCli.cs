using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AQD.Edge.DetectionData;

namespace AQD.Edge.MakeDataset;

/// <summary>make-dataset commands. Root: write splits (&lt;out&gt;/&lt;split&gt;.json + &lt;out&gt;/images/&lt;split&gt;/*.png).
/// "eval": COCO metrics of a results file against a dataset file. Exit codes: 0 ok, 1 usage/I-O/data error.</summary>
public static class MakeDatasetCli
{
    public const int Ok = 0, Error = 1;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = CreateRootCommand(output, error);
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    public static RootCommand CreateRootCommand(TextWriter output, TextWriter error)
    {
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder: <split>.json (COCO) and images/<split>/.", Required = true };
        var count = new Option<int>("--count", "-n") { Description = "Images per split.", DefaultValueFactory = _ => 1000 };
        var splits = new Option<string>("--splits") { Description = "Comma-separated splits among train,val,test.", DefaultValueFactory = _ => "train,val,test" };
        var seed = new Option<ulong>("--seed") { Description = "Dataset seed.", DefaultValueFactory = _ => 1UL };
        var size = new Option<int>("--image-size") { Description = "Square image side (multiple of 32).", DefaultValueFactory = _ => 256 };
        var minObj = new Option<int>("--min-objects") { DefaultValueFactory = _ => 1 };
        var maxObj = new Option<int>("--max-objects") { DefaultValueFactory = _ => 8 };
        var minPx = new Option<int>("--min-px") { Description = "Smallest object box side (longer side, pixels).", DefaultValueFactory = _ => 12 };
        var maxPx = new Option<int>("--max-px") { Description = "Largest object box side (pixels).", DefaultValueFactory = _ => 110 };
        var source = new Option<string>("--source") { Description = "mnist (embedded) or fashion (Debian dataset-fashion-mnist).", DefaultValueFactory = _ => "mnist" };
        source.AcceptOnlyFromAmong("mnist", "fashion");
        var jpeg = new Option<bool>("--jpeg") { Description = "Write JPEG (quality 90) instead of PNG." };
        var preview = new Option<int>("--preview") { Description = "Also write this many images per split with their boxes drawn to <out>/preview/.", DefaultValueFactory = _ => 0 };
        var extraBg = new Option<DirectoryInfo?>("--extra-backgrounds") { Description = "Folder of extra background photos (e.g. ../shared/images)." };

        var root = new RootCommand("Writes a detection dataset: real MNIST digits composited onto crops of real photos, exact boxes, COCO JSON.")
        {
            outDir, count, splits, seed, size, minObj, maxObj, minPx, maxPx, source, jpeg, preview, extraBg,
        };
        root.SetAction(parse =>
        {
            try
            {
                var o = new DigitSceneOptions
                {
                    Seed = parse.GetValue(seed), ImageSize = parse.GetValue(size),
                    MinObjects = parse.GetValue(minObj), MaxObjects = parse.GetValue(maxObj),
                    MinObjectPx = parse.GetValue(minPx), MaxObjectPx = parse.GetValue(maxPx),
                    Source = parse.GetValue(source) == "fashion" ? DigitSource.FashionMnist : DigitSource.Mnist,
                    ExtraBackgroundDirectory = parse.GetValue(extraBg)?.FullName,
                };
                o.Validate();
                int n = parse.GetValue(count);
                if (n < 1) throw new ArgumentException($"--count must be >= 1 (got {n})");
                string dir = parse.GetValue(outDir)!.FullName;
                var labels = DigitScenes.Labels(o.Source);
                foreach (string split in parse.GetValue(splits)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    DigitScenes.SplitIndex(split);
                    var sw = Stopwatch.StartNew();
                    var samples = DigitScenes.Split(o, split, n);
                    double genSeconds = sw.Elapsed.TotalSeconds;
                    string json = Path.Combine(dir, split + ".json");
                    CocoJson.WriteDataset(json, samples, labels, Path.Combine(dir, "images", split), parse.GetValue(jpeg));
                    for (int i = 0; i < Math.Min(parse.GetValue(preview), samples.Count); i++)
                        SampleImages.Save(SampleImages.WithBoxes(samples[i]), samples[i].Width, samples[i].Height,
                            Path.Combine(dir, "preview", $"{split}_{samples[i].ImageId:D6}.png"), jpeg: false);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{split}: {n} images, {samples.Sum(s => s.Boxes.Count)} objects ({Describe(samples)}); generated in {genSeconds:F2} s ({n / genSeconds:F0} images/s), written to {json}"));
                }
                return Ok;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"make-dataset: {e.Message}");
                return Error;
            }
        });
        root.Subcommands.Add(EvalCommand(output, error));
        return root;
    }

    private static Command EvalCommand(TextWriter output, TextWriter error)
    {
        var dataset = new Argument<FileInfo>("dataset") { Description = "COCO dataset JSON (as written by make-dataset)." };
        var results = new Argument<FileInfo>("results") { Description = "COCO results JSON: [{image_id, category_id, bbox, score}]." };
        var cmd = new Command("eval", "COCO bbox metrics (pycocotools semantics) of a results file against a dataset file.") { dataset, results };
        cmd.SetAction(parse =>
        {
            try
            {
                var (truth, labels) = CocoJson.ReadDataset(parse.GetValue(dataset)!.FullName);
                var dets = CocoJson.ReadResults(parse.GetValue(results)!.FullName);
                var m = CocoEvaluator.Evaluate(truth, dets, labels.Count);
                output.WriteLine(m.ToString());
                for (int k = 0; k < labels.Count; k++)
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {labels[k]}: AP {m.PerClassAP[k]:F4}"));
                return Ok;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or System.Text.Json.JsonException or UnauthorizedAccessException)
            {
                error.WriteLine($"make-dataset eval: {e.Message}");
                return Error;
            }
        });
        return cmd;
    }

    private static string Describe(IReadOnlyList<DetectionSample> samples)
    {
        int small = 0, medium = 0, large = 0;
        foreach (var b in samples.SelectMany(s => s.Boxes))
        {
            float a = b.Area;
            if (a < 32 * 32) small++; else if (a < 96 * 96) medium++; else large++;
        }
        return $"small {small}, medium {medium}, large {large}";
    }
}
