namespace AQD.Edge.Model.Container;

/// <summary>Section flags (u32). Bits other than those defined here must be zero in version 1.</summary>
[Flags]
public enum SectionFlags : uint
{
    None = 0,

    /// <summary>
    /// A reader that does not know the section's kind must refuse the blob (like PNG's critical
    /// chunks). Without it an unknown kind is checked (bounds, CRC) and then ignored.
    /// </summary>
    Critical = 1,
}
