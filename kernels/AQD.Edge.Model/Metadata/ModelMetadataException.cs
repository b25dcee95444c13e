namespace AQD.Edge.Model.Metadata;

/// <summary>
/// Metadata JSON that does not parse or breaks a schema rule. <see cref="JsonPath"/> names the field
/// ("$.input.width", "$.labels[3]"); <see cref="BytePosition"/> is the offset in the JSON text where
/// the parser stopped (0 for rule violations found after parsing).
/// </summary>
public sealed class ModelMetadataException : Exception
{
    public ModelMetadataException(string jsonPath, long bytePosition, string problem, Exception? inner = null)
        : base($"metadata {jsonPath}: {problem}", inner)
    {
        JsonPath = jsonPath;
        BytePosition = bytePosition;
        Problem = problem;
    }

    public string JsonPath { get; }
    public long BytePosition { get; }
    public string Problem { get; }
}
