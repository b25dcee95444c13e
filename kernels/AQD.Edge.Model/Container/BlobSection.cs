namespace AQD.Edge.Model.Container;

/// <summary>
/// One validated section: where it is and its bytes as a slice of the blob memory (no copy; the
/// slice lives as long as the memory the reader was given).
/// </summary>
public sealed record BlobSection(
    int Index,
    SectionKind Kind,
    SectionFlags Flags,
    long Offset,
    int Alignment,
    uint Crc32C,
    string? Name,
    ReadOnlyMemory<byte> Payload)
{
    public int Length => Payload.Length;

    /// <summary>How errors name this section: "section[3] WGHT 'conv1.weight'".</summary>
    public string Label => BlobFormatException.SectionLabel(Index, Kind, Name);
}
