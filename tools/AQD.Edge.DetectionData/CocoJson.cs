using System.Text.Json;

namespace AQD.Edge.DetectionData;

/// <summary>COCO-format JSON. Category ids are ClassId + 1 (COCO reserves no id, but many tools treat
/// 0 as background); image ids are <see cref="DetectionSample.ImageId"/>; bbox = [x, y, width, height]
/// in pixels; area = width * height; iscrowd 0.</summary>
public static class CocoJson
{
    /// <summary>Writes the dataset file (images, annotations, categories). With <paramref name="imageDir"/>,
    /// each sample is also saved there as PNG (&lt;ImageId:D6&gt;.png; JPEG quality 90 with <paramref name="jpeg"/>)
    /// and "file_name" is that file's path relative to the JSON file's folder; without it "file_name" is just
    /// the file name.</summary>
    public static void WriteDataset(string path, IReadOnlyList<DetectionSample> samples, IReadOnlyList<string> labels, string? imageDir = null, bool jpeg = false)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(labels);
        string jsonDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(jsonDir);
        if (imageDir is not null) Directory.CreateDirectory(imageDir);
        var ids = new HashSet<int>();
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteStartObject("info");
        w.WriteString("description", "AQD.Edge digit scenes: MNIST digits composited onto photo crops (AQD.Edge.DetectionData)");
        w.WriteEndObject();
        w.WriteStartArray("images");
        foreach (var s in samples)
        {
            if (!ids.Add(s.ImageId)) throw new ArgumentException($"CocoJson.WriteDataset: ImageId {s.ImageId} appears twice");
            string file = $"{s.ImageId:D6}" + (jpeg ? ".jpg" : ".png");
            if (imageDir is not null)
            {
                string full = Path.Combine(imageDir, file);
                if (jpeg) SampleImages.SaveJpeg(s, full); else SampleImages.SavePng(s, full);
                file = Path.GetRelativePath(jsonDir, Path.GetFullPath(full)).Replace('\\', '/');
            }
            w.WriteStartObject();
            w.WriteNumber("id", s.ImageId);
            w.WriteString("file_name", file);
            w.WriteNumber("width", s.Width);
            w.WriteNumber("height", s.Height);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("annotations");
        int annId = 1;
        foreach (var s in samples)
            foreach (var b in s.Boxes)
            {
                if (b.ClassId < 0 || b.ClassId >= labels.Count)
                    throw new ArgumentException($"CocoJson.WriteDataset: image {s.ImageId} has class {b.ClassId} but there are {labels.Count} labels");
                w.WriteStartObject();
                w.WriteNumber("id", annId++);
                w.WriteNumber("image_id", s.ImageId);
                w.WriteNumber("category_id", b.ClassId + 1);
                WriteBox(w, b.X1, b.Y1, b.X2, b.Y2);
                w.WriteNumber("iscrowd", 0);
                w.WriteEndObject();
            }
        w.WriteEndArray();
        w.WriteStartArray("categories");
        for (int c = 0; c < labels.Count; c++)
        {
            w.WriteStartObject();
            w.WriteNumber("id", c + 1);
            w.WriteString("name", labels[c]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes a COCO results file: [{image_id, category_id, bbox, score}, ...].</summary>
    public static void WriteResults(string path, IReadOnlyList<ScoredBox> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartArray();
        foreach (var d in detections)
        {
            w.WriteStartObject();
            w.WriteNumber("image_id", d.ImageId);
            w.WriteNumber("category_id", d.ClassId + 1);
            WriteBox(w, d.X1, d.Y1, d.X2, d.Y2, area: false);
            w.WriteNumber("score", d.Score);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>Reads a dataset file written by <see cref="WriteDataset"/> (or any COCO detection file whose
    /// category ids are 1..N): ImageId → boxes (pixels are not loaded), and the category names.</summary>
    public static (Dictionary<int, IReadOnlyList<GroundTruthBox>> Truth, IReadOnlyList<string> Labels) ReadDataset(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        try
        {
            var cats = root.GetProperty("categories").EnumerateArray().Select(c => (Id: c.GetProperty("id").GetInt32(), Name: c.GetProperty("name").GetString() ?? "")).OrderBy(c => c.Id).ToList();
            for (int i = 0; i < cats.Count; i++)
                if (cats[i].Id != i + 1) throw new InvalidDataException($"{path}: category ids must be 1..{cats.Count} (found {cats[i].Id})");
            var truth = new Dictionary<int, List<GroundTruthBox>>();
            foreach (var im in root.GetProperty("images").EnumerateArray()) truth[im.GetProperty("id").GetInt32()] = [];
            foreach (var a in root.GetProperty("annotations").EnumerateArray())
            {
                int img = a.GetProperty("image_id").GetInt32(), cat = a.GetProperty("category_id").GetInt32();
                if (!truth.TryGetValue(img, out var list)) throw new InvalidDataException($"{path}: annotation for unknown image {img}");
                if (cat < 1 || cat > cats.Count) throw new InvalidDataException($"{path}: annotation of image {img} has unknown category {cat}");
                var (x, y, bw, bh) = ReadBox(a, path);
                list.Add(new GroundTruthBox(cat - 1, x, y, x + bw, y + bh));
            }
            return (truth.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<GroundTruthBox>)kv.Value), cats.Select(c => c.Name).ToList());
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        { throw new InvalidDataException($"{path}: not a COCO detection dataset file ({e.Message})", e); }
    }

    /// <summary>Reads a COCO results file (category ids 1..N → ClassId 0..N-1).</summary>
    public static IReadOnlyList<ScoredBox> ReadResults(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        try
        {
            var list = new List<ScoredBox>();
            foreach (var d in doc.RootElement.EnumerateArray())
            {
                var (x, y, bw, bh) = ReadBox(d, path);
                list.Add(new ScoredBox(d.GetProperty("image_id").GetInt32(), d.GetProperty("category_id").GetInt32() - 1,
                    d.GetProperty("score").GetSingle(), x, y, x + bw, y + bh));
            }
            return list;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        { throw new InvalidDataException($"{path}: not a COCO results file ({e.Message})", e); }
    }

    private static void WriteBox(Utf8JsonWriter w, float x1, float y1, float x2, float y2, bool area = true)
    {
        float bw = x2 - x1, bh = y2 - y1;
        w.WriteStartArray("bbox");
        w.WriteNumberValue(x1); w.WriteNumberValue(y1); w.WriteNumberValue(bw); w.WriteNumberValue(bh);
        w.WriteEndArray();
        if (area) w.WriteNumber("area", (double)bw * bh);
    }

    private static (float X, float Y, float W, float H) ReadBox(JsonElement e, string path)
    {
        var b = e.GetProperty("bbox");
        if (b.GetArrayLength() != 4) throw new InvalidDataException($"{path}: bbox must have 4 numbers");
        return (b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle());
    }
}
