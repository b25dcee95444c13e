using System.Text.Json;
using AQD.Edge.Worker.Pipeline;

namespace AQD.Edge.Worker.Inference;

/// <summary>Detections as JSON (no reflection: Utf8JsonWriter): <c>"detections": [{"label", "class_id",
/// "score_permille", "box": [x1, y1, x2, y2]}]</c>, integers only.</summary>
public static class DetectionJsonWriter
{
    public static void WriteObjects(Utf8JsonWriter json, ReadOnlySpan<DetectedObject> objects)
    {
        json.WriteStartArray("detections");
        foreach (var o in objects)
        {
            json.WriteStartObject();
            json.WriteString("label", o.Label);
            json.WriteNumber("class_id", o.ClassId);
            json.WriteNumber("score_permille", o.ScorePermille);
            json.WriteStartArray("box");
            json.WriteNumberValue(o.X1);
            json.WriteNumberValue(o.Y1);
            json.WriteNumberValue(o.X2);
            json.WriteNumberValue(o.Y2);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
