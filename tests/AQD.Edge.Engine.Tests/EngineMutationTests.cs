using System.Buffers.Binary;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Engine.Tests;

/// <summary>
/// Forged corruption of the graph and parameter sections (CRCs re-sealed, so every graph and
/// kernel check is reached): loading must throw <see cref="BlobFormatException"/> or give an
/// engine that runs an inference without any other exception.
/// </summary>
public class EngineMutationTests
{
    private const int HeaderSize = 64, EntrySize = 40, EntCrc = 28, OffHeaderCrc = 36;

    private static byte[] Reseal(byte[] blob, BlobSection section, int sectionCount)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(HeaderSize + section.Index * EntrySize + EntCrc),
            BlobFormat.Crc32C(blob.AsSpan((int)section.Offset, section.Length)));
        int tableEnd = HeaderSize + sectionCount * EntrySize;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(OffHeaderCrc), BlobFormat.HeaderCrc32C(blob.AsSpan(0, tableEnd)));
        return blob;
    }

    [Fact(Timeout = 120_000)]
    public async Task ForgedGraphsLoadCleanlyOrFailWithBlobFormatException()
    {
        byte[] original = new SyntheticModel().Write();
        var reader = BlobReader.Open(original, "m.aqd");
        var graph = reader.Find(SectionKind.Graph)!;
        var prms = reader.Find(SectionKind.Parameters)!;
        int n = reader.Sections.Count;
        byte[] input = SyntheticModel.RandomInput(1);
        int rejected = 0, accepted = 0;
        ulong[] values = [0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 63, 64, 255, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, ulong.MaxValue, (ulong)original.Length];
        void Try(string what, byte[] m)
        {
            InferenceEngine engine;
            try
            {
                engine = InferenceEngine.Load(BlobReader.Open(m, "m.aqd"));
            }
            catch (BlobFormatException)
            {
                rejected++;
                return;
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: {e.GetType().Name} instead of BlobFormatException: {e}");
                return;
            }
            accepted++;
            if (engine.InputCount == 1 && engine.Input(0).Length == input.Length)
            {
                engine.Run(input);
            }
            else
            {
                engine.Run();
            }
        }
        await Task.Run(() =>
        {
            var rng = new Random(500);
            for (int k = 0; k < 4000; k++)
            {
                var m = (byte[])original.Clone();
                int bit = rng.Next(graph.Length * 8);
                m[graph.Offset + bit / 8] ^= (byte)(1 << (bit % 8));
                Try($"graph-flip {bit}", Reseal(m, graph, n));
            }
            for (int at = 0; at + 4 <= graph.Length; at += 4)
            {
                var m = (byte[])original.Clone();
                BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan((int)graph.Offset + at), (uint)values[rng.Next(values.Length)]);
                Try($"graph-u32 {at}", Reseal(m, graph, n));
            }
            for (int k = 0; k < 1500; k++)
            {
                var m = (byte[])original.Clone();
                int at = rng.Next(prms.Length / 4) * 4;
                BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan((int)prms.Offset + at), (uint)values[rng.Next(values.Length)]);
                Try($"prms-u32 {at}", Reseal(m, prms, n));
            }
        }, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"{rejected} rejected, {accepted} accepted and run");
        Assert.True(rejected > 1000 && accepted > 100, $"{rejected} rejected, {accepted} accepted");
    }
}
