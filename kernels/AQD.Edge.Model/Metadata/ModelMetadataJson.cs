using System.Text.Json;
using System.Text.Json.Serialization;

namespace AQD.Edge.Model.Metadata;

/// <summary>
/// UTF-8 JSON for <see cref="ModelMetadata"/> through System.Text.Json source generation (no
/// reflection; NativeAOT-safe). Parsing is strict: required members, no nulls for non-nullable
/// members, no duplicate properties, no comments or trailing commas, integers only. Unknown members
/// are ignored (a later tool may add optional fields without a schema version bump).
/// </summary>
public static class ModelMetadataJson
{
    public static byte[] Serialize(ModelMetadata metadata)
        => JsonSerializer.SerializeToUtf8Bytes(metadata, ModelMetadataJsonContext.Default.ModelMetadata);

    /// <exception cref="ModelMetadataException">Not valid JSON of the schema (path and byte position of the error).</exception>
    public static ModelMetadata Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            return JsonSerializer.Deserialize(utf8Json, ModelMetadataJsonContext.Default.ModelMetadata)
                ?? throw new ModelMetadataException("$", 0, "the metadata is JSON null; an object is required.");
        }
        catch (JsonException e)
        {
            long position = Position(utf8Json, e.LineNumber, e.BytePositionInLine);
            string problem = e.Message;
            int cut = problem.IndexOf(" Path: ", StringComparison.Ordinal);
            if (cut > 0)
            {
                problem = problem[..cut];
            }
            throw new ModelMetadataException(string.IsNullOrEmpty(e.Path) ? "$" : e.Path, position, problem, e);
        }
    }

    // Absolute byte offset of (line, byte in line) in the text.
    private static long Position(ReadOnlySpan<byte> text, long? line, long? byteInLine)
    {
        if (line is null || byteInLine is null)
        {
            return 0;
        }
        long start = 0;
        for (long l = 0; l < line.Value; l++)
        {
            int nl = text[(int)start..].IndexOf((byte)'\n');
            if (nl < 0)
            {
                return start;
            }
            start += nl + 1;
        }
        return Math.Min(start + byteInLine.Value, text.Length);
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowTrailingCommas = false,
    MaxDepth = 16)]
[JsonSerializable(typeof(ModelMetadata))]
internal sealed partial class ModelMetadataJsonContext : JsonSerializerContext;
