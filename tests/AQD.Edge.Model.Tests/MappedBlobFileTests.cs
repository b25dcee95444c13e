using System.Runtime.InteropServices;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Mapping;

namespace AQD.Edge.Model.Tests;

public class MappedBlobFileTests
{
    [Fact]
    public unsafe void MappedFileIsReadInPlaceWithAlignedSections()
    {
        string path = Path.Combine(Path.GetTempPath(), $"aqd-blob-test-{Environment.ProcessId}-{Guid.NewGuid():N}.aqd");
        try
        {
            var blob = BlobSamples.Unusual();
            File.WriteAllBytes(path, blob);
            using (var mapped = MappedBlobFile.Open(path))
            {
                var r = BlobReader.Open(mapped.Bytes, Path.GetFileName(path));
                Assert.Equal(blob.Length, r.Data.Length);
                foreach (var s in r.Sections)
                {
                    Assert.Equal(blob.AsSpan((int)s.Offset, s.Length).ToArray(), s.Payload.ToArray());
                    Assert.True(MemoryMarshal.TryGetMemoryManager(s.Payload, out MappedBlobFile? manager, out int start, out _));
                    Assert.Same(mapped, manager); // a slice of the mapping, not a copy
                    Assert.Equal(s.Offset, start);
                    fixed (byte* p = s.Payload.Span)
                    {
                        if (s.Length > 0)
                        {
                            Assert.Equal(0, (long)p % s.Alignment); // page-aligned view: section alignment holds in memory
                        }
                    }
                }
            }
            File.WriteAllBytes(path, []);
            Assert.Throws<IOException>(() => MappedBlobFile.Open(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
