namespace AQD.Edge.Model.Container;

/// <summary>
/// The blob is not a valid container: names the source (file name or other label the caller gave),
/// the part of the blob ("header", "section table", "section[2] META", "padding"), the field (spec
/// field name, or a JSON path such as "$.input.width" inside the metadata) and the absolute byte
/// offset in the blob where the offending field or data starts.
/// </summary>
public sealed class BlobFormatException : Exception
{
    public BlobFormatException(string sourceName, string section, string field, long byteOffset, string problem, Exception? inner = null)
        : base($"{sourceName}: {section}, field '{field}' at byte {byteOffset}: {problem}", inner)
    {
        SourceName = sourceName;
        Section = section;
        Field = field;
        ByteOffset = byteOffset;
        Problem = problem;
    }

    public string SourceName { get; }
    public string Section { get; }
    public string Field { get; }
    public long ByteOffset { get; }

    /// <summary>The problem alone, without source, section, field and offset.</summary>
    public string Problem { get; }

    internal static string SectionLabel(int index, SectionKind kind, string? name)
        => name is null ? $"section[{index}] {kind}" : $"section[{index}] {kind} '{name}'";
}
