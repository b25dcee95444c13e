using System.Text.Json;
using System.Text.Json.Serialization;

namespace AQD.Edge.Detection;

/// <summary>One detection in JSON: label, class id, score (0..1), box [x1, y1, x2, y2] in original-image pixels.</summary>
public sealed record DetectionJsonItem(string Label, int ClassId, double Score, int[] Box);

/// <summary>The detections of one image in JSON.</summary>
public sealed record DetectionJsonDocument(string? Image, int Width, int Height, IReadOnlyList<DetectionJsonItem> Detections);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DetectionJsonDocument))]
[JsonSerializable(typeof(DetectionJsonDocument[]))]
internal sealed partial class DetectionJsonContext : JsonSerializerContext;

/// <summary>JSON of detections (System.Text.Json source generation: NativeAOT-safe). Formatting may use float.</summary>
public static class DetectionJson
{
    // a context built from new options does not inherit the attribute's options: repeat them
    private static readonly DetectionJsonContext Indented = new(new JsonSerializerOptions(DetectionJsonContext.Default.Options) { WriteIndented = true });

    public static DetectionJsonDocument ToDocument(DetectionSet set, string? image = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        var items = new DetectionJsonItem[set.Count];
        for (int i = 0; i < set.Count; i++)
        {
            var d = set[i];
            items[i] = new DetectionJsonItem(d.Label, d.ClassId, d.ScorePermille / 1000.0, [d.X1, d.Y1, d.X2, d.Y2]);
        }
        return new DetectionJsonDocument(image, set.ImageWidth, set.ImageHeight, items);
    }

    /// <summary>{"image":..., "width":..., "height":..., "detections":[{"label","classId","score","box"}]}.</summary>
    public static string Serialize(DetectionSet set, string? image = null, bool indented = false)
        => Serialize(ToDocument(set, image), indented);

    public static string Serialize(DetectionJsonDocument document, bool indented = false)
        => JsonSerializer.Serialize(document, indented ? Indented.DetectionJsonDocument : DetectionJsonContext.Default.DetectionJsonDocument);

    /// <summary>A JSON array of several images' documents.</summary>
    public static string Serialize(IReadOnlyList<DetectionJsonDocument> documents, bool indented = false)
        => JsonSerializer.Serialize([.. documents], indented ? Indented.DetectionJsonDocumentArray : DetectionJsonContext.Default.DetectionJsonDocumentArray);

    public static DetectionJsonDocument? Parse(string json)
        => JsonSerializer.Deserialize(json, DetectionJsonContext.Default.DetectionJsonDocument);
}
