using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using AQD.Edge.Model.Container;
using AQD.Edge.Model.Graph;
using AQD.Edge.Model.Metadata;
using static AQD.Edge.Model.Tests.BlobPatch;
using F = AQD.Edge.Model.Container.BlobFormat;

namespace AQD.Edge.Model.Tests;

/// <summary>
/// Thousands of corruptions of valid blobs. Two kinds:
/// <list type="bullet">
/// <item>plain corruption (truncation, bit flips, random byte runs, swapped payloads, huge values
/// written into fields, CRCs left as they were): the reader must throw
/// <see cref="BlobFormatException"/> or, if the bytes did not change, read exactly what it read
/// before;</item>
/// <item>forged corruption (the same edits with CRCs recomputed, as a writer bug or an attacker
/// would produce): every structural and schema check is reached; the reader must throw
/// <see cref="BlobFormatException"/> or return a blob whose sections all lie inside the memory,
/// aligned, without overlap, and whose metadata passes the schema rules.</item>
/// </list>
/// Any other exception type fails, and so does a read slower than <see cref="MaxReadTime"/>.
/// </summary>
public class MutationTests
{
    private static readonly TimeSpan MaxReadTime = TimeSpan.FromSeconds(2);

    private static readonly ulong[] InterestingValues =
    [
        0, 1, 7, 8, 63, 64, 65, 4096, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        long.MaxValue, (ulong)long.MaxValue + 1, ulong.MaxValue - 63, ulong.MaxValue,
    ];

    private sealed class Harness(string name, byte[] original)
    {
        /// <summary>Blobs with a real graph section (not the detector sample's placeholder bytes) also go through <see cref="GraphReader"/>.</summary>
        private readonly bool graph = name.StartsWith("graph", StringComparison.Ordinal);
        private readonly string expected = Fingerprint(BlobReader.Open(original, name), name.StartsWith("graph", StringComparison.Ordinal));
        public readonly byte[] Original = original;
        public readonly Dictionary<string, int> Counts = [];
        public int Rejected, Identical, ForgedAccepted;
        public TimeSpan Slowest;

        /// <summary>Plain corruption: error, or an identical read.</summary>
        public void Plain(string what, ReadOnlyMemory<byte> blob) => Run(what, blob, forged: false);

        /// <summary>Forged corruption: error, or a read that satisfies every invariant.</summary>
        public void Forged(string what, ReadOnlyMemory<byte> blob) => Run(what, blob, forged: true);

        private void Run(string what, ReadOnlyMemory<byte> blob, bool forged)
        {
            string category = what.Split(' ')[0];
            Counts[category] = Counts.GetValueOrDefault(category) + 1;
            var watch = Stopwatch.StartNew();
            BlobReader reader;
            try
            {
                reader = BlobReader.Open(blob, name);
                if (graph)
                {
                    GraphReader.Read(reader);
                }
            }
            catch (BlobFormatException e)
            {
                Rejected++;
                Assert.Equal(name, e.SourceName);
                Assert.False(string.IsNullOrEmpty(e.Section) || string.IsNullOrEmpty(e.Field), $"{name} {what}: unnamed section/field in '{e.Message}'");
                Assert.InRange(e.ByteOffset, 0, Math.Max(blob.Length, F.HeaderSize));
                return;
            }
            catch (Exception e)
            {
                Assert.Fail($"{name} {what}: {e.GetType().Name} instead of BlobFormatException: {e}");
                return;
            }
            finally
            {
                var t = watch.Elapsed;
                Slowest = t > Slowest ? t : Slowest;
                Assert.True(t < MaxReadTime, $"{name} {what}: read took {t.TotalMilliseconds} ms");
            }
            // Every byte is covered by a CRC or must be zero: a plain change is never accepted.
            Assert.True(forged || blob.Span.SequenceEqual(Original), $"{name} {what}: changed bytes were accepted");
            if (blob.Span.SequenceEqual(Original))
            {
                Assert.True(Fingerprint(reader, graph) == expected, $"{name} {what}: accepted with a different result");
                Identical++;
                return;
            }
            CheckInvariants(reader, blob, $"{name} {what}");
            if (graph)
            {
                CheckGraphInvariants(GraphReader.Read(reader), blob, $"{name} {what}");
            }
            ForgedAccepted++;
        }
    }

    private static string Fingerprint(BlobReader r, bool graph = false)
    {
        var sb = new StringBuilder();
        sb.Append(r.MajorVersion).Append('.').Append(r.MinorVersion).Append('\n');
        foreach (var s in r.Sections)
        {
            sb.Append($"{s.Index} {s.Kind} {s.Flags} {s.Offset} {s.Length} {s.Alignment} {s.Crc32C:X8} {s.Name} {F.Crc32C(s.Payload.Span):X8}\n");
        }
        for (int i = 0; i < r.Strings.Count; i++)
        {
            sb.Append(r.Strings[i]).Append('\n');
        }
        sb.Append(Encoding.UTF8.GetString(ModelMetadataJson.Serialize(r.Metadata)));
        if (graph)
        {
            var g = GraphReader.Read(r);
            foreach (var t in g.Tensors)
            {
                sb.Append(t).Append('\n');
            }
            foreach (var op in g.Ops)
            {
                sb.Append($"{op.Record} {string.Join(",", op.Inputs)} -> {string.Join(",", op.Outputs)} {op.RecordOffset} " +
                    $"{F.Crc32C(op.Weights.Span):X8} {string.Join(",", op.Parameters)}\n");
            }
            sb.Append(string.Join(",", g.ExecutionOrder)).Append(string.Join(",", g.Inputs)).Append(string.Join(",", g.Outputs));
        }
        return sb.ToString();
    }

    private static void CheckInvariants(BlobReader r, ReadOnlyMemory<byte> blob, string what)
    {
        Assert.True(MemoryMarshal.TryGetArray(blob, out var whole), what);
        long end = 0;
        foreach (var s in r.Sections.OrderBy(s => s.Offset).ThenBy(s => s.Index))
        {
            Assert.True(s.Alignment is >= F.MinAlignment and <= F.MaxAlignment && F.IsPowerOfTwo(s.Alignment), what);
            Assert.True(s.Offset % s.Alignment == 0 && s.Offset >= F.HeaderSize && s.Offset >= end, $"{what}: section {s.Index} at {s.Offset}");
            Assert.True(s.Offset + s.Length <= blob.Length, what);
            Assert.True(MemoryMarshal.TryGetArray(s.Payload, out var seg) && seg.Array == whole.Array && seg.Offset == whole.Offset + s.Offset, what);
            Assert.Equal(s.Crc32C, F.Crc32C(s.Payload.Span));
            end = s.Offset + s.Length;
        }
        Assert.Equal(blob.Length, end);
        ModelMetadataValidator.Validate(r.Metadata);
    }

    /// <summary>What a forged graph that the reader accepted must satisfy: ids in range, one producer per
    /// tensor, an order where producers come first, weight slices inside the blob.</summary>
    private static void CheckGraphInvariants(ModelGraph g, ReadOnlyMemory<byte> blob, string what)
    {
        var done = new HashSet<int>(g.Inputs);
        Assert.Equal(g.Ops.Count, g.ExecutionOrder.Distinct().Count());
        foreach (int o in g.ExecutionOrder)
        {
            var op = g.Ops[o];
            Assert.All(op.Inputs, t => Assert.True(done.Contains(t), $"{what}: ops[{o}] reads tensor {t} before it is written"));
            Assert.All(op.Outputs, t => Assert.True(done.Add(t), $"{what}: tensor {t} written twice"));
            Assert.True(MemoryMarshal.TryGetArray(op.Weights, out var seg) || op.Weights.IsEmpty, what);
            Assert.True(op.Weights.IsEmpty || seg.Offset + seg.Count <= blob.Length, what);
        }
        Assert.All(g.Outputs, t => Assert.Contains(t, done));
    }

    public static TheoryData<string> Samples() => [.. BlobSamples.All().Select(s => s.Name)];

    public static TheoryData<string> MultiSectionSamples() => ["detector", "unusual", "graph", "graph-head"];

    public static TheoryData<string> GraphSamples() => ["graph", "graph-head"];

    private static Harness For(string sample) => new(sample, BlobSamples.All().Single(s => s.Name == sample).Blob);

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Samples))]
    public async Task TruncationsAreRejected(string sample)
    {
        var h = For(sample);
        await Task.Run(() =>
        {
            var b = h.Original;
            var lengths = new SortedSet<int>();
            for (int n = 0; n <= Math.Min(b.Length - 1, TableEnd(b) + 72); n++)
            {
                lengths.Add(n);
            }
            for (int i = 0; i < Count(b); i++)
            {
                var (off, len) = Range(b, i);
                foreach (int n in new[] { off - 1, off, off + 1, off + len - 1, off + len, off + len + 1 })
                {
                    if (n >= 0 && n < b.Length)
                    {
                        lengths.Add(n);
                    }
                }
            }
            var rng = new Random(100);
            for (int i = 0; i < 300; i++)
            {
                lengths.Add(rng.Next(b.Length));
            }
            foreach (int n in lengths)
            {
                h.Plain($"truncate {n}", b.AsMemory(0, n));
                h.Plain($"truncate-copy {n}", b[..n]);
            }
            h.Plain("extend 1", (byte[])[.. b, 0]);
            h.Plain("extend 64", (byte[])[.. b, .. new byte[64]]);
        }, TestContext.Current.CancellationToken);
        Report(h, 0);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Samples))]
    public async Task BitFlipsAndRandomBytesAreRejected(string sample)
    {
        var h = For(sample);
        await Task.Run(() =>
        {
            var b = h.Original;
            int tableEnd = TableEnd(b);
            for (int bit = 0; bit < tableEnd * 8; bit++)
            {
                var m = (byte[])b.Clone();
                m[bit / 8] ^= (byte)(1 << (bit % 8));
                h.Plain($"flip-header {bit}", m);
                ResealHeader(m);
                h.Forged($"flip-header-resealed {bit}", m);
            }
            var rng = new Random(200);
            for (int i = 0; i < 1500; i++)
            {
                var m = (byte[])b.Clone();
                int bit = rng.Next(tableEnd * 8, b.Length * 8);
                m[bit / 8] ^= (byte)(1 << (bit % 8));
                h.Plain($"flip-payload {bit}", m);
            }
            for (int i = 0; i < 600; i++)
            {
                var m = (byte[])b.Clone();
                int at = rng.Next(b.Length), run = Math.Min(rng.Next(1, 65), b.Length - at);
                rng.NextBytes(m.AsSpan(at, run));
                h.Plain($"random-run {at}+{run}", m);
                ResealAll(m);
                h.Forged($"random-run-forged {at}+{run}", m);
            }
        }, TestContext.Current.CancellationToken);
        Report(h, 4000);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Samples))]
    public async Task HugeAndBoundaryValuesInFieldsAreRejectedOrHarmless(string sample)
    {
        var h = For(sample);
        await Task.Run(() =>
        {
            var b = h.Original;
            var fields = new List<(string Name, int At, int Size)>
            {
                ("major", F.OffMajor, 2), ("minor", F.OffMinor, 2), ("headerSize", F.OffHeaderSize, 4),
                ("entrySize", F.OffEntrySize, 4), ("sectionCount", F.OffSectionCount, 4), ("fileLength", F.OffFileLength, 8),
                ("flags", F.OffFlags, 4), ("reserved", F.OffHeaderReserved, 8),
            };
            for (int i = 0; i < Count(b); i++)
            {
                int e = EntryAt(b, i);
                fields.Add(($"[{i}].kind", e + F.EntKind, 4));
                fields.Add(($"[{i}].flags", e + F.EntFlags, 4));
                fields.Add(($"[{i}].offset", e + F.EntOffset, 8));
                fields.Add(($"[{i}].length", e + F.EntLength, 8));
                fields.Add(($"[{i}].alignment", e + F.EntAlignment, 4));
                fields.Add(($"[{i}].name", e + F.EntName, 4));
                fields.Add(($"[{i}].reserved", e + F.EntReserved, 4));
            }
            var values = new List<ulong>(InterestingValues) { (ulong)b.Length, (ulong)b.Length + 1, (ulong)b.Length - 64, (ulong)TableEnd(b) };
            for (int i = 0; i < Count(b); i++)
            {
                var (off, len) = Range(b, i);
                values.AddRange([(ulong)off, (ulong)len, (ulong)(off + len), (ulong)(off - 64)]);
            }
            foreach (var (fieldName, at, size) in fields)
            {
                foreach (ulong v in values)
                {
                    var m = (byte[])b.Clone();
                    switch (size)
                    {
                        case 2: SetU16(m, at, (ushort)v); break;
                        case 4: SetU32(m, at, (uint)v); break;
                        default: SetU64(m, at, v); break;
                    }
                    h.Plain($"field {fieldName}={v}", m);
                    ResealAll(m);
                    h.Forged($"field-forged {fieldName}={v}", m);
                }
            }
        }, TestContext.Current.CancellationToken);
        Report(h, 700);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(MultiSectionSamples))]
    public async Task SwappedSectionsAreRejectedOrConsistent(string sample)
    {
        var h = For(sample);
        await Task.Run(() =>
        {
            var b = h.Original;
            int n = Count(b);
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    // Payload bytes swapped (as much as fits in both), CRCs untouched.
                    var (oi, li) = Range(b, i);
                    var (oj, lj) = Range(b, j);
                    int len = Math.Min(li, lj);
                    var m = (byte[])b.Clone();
                    b.AsSpan(oi, len).CopyTo(m.AsSpan(oj));
                    b.AsSpan(oj, len).CopyTo(m.AsSpan(oi));
                    h.Plain($"swap-payload {i},{j}", m);

                    // Table entries swapped, header re-sealed: the same sections in another table order.
                    m = (byte[])b.Clone();
                    b.AsSpan(EntryAt(b, i), F.EntrySize).CopyTo(m.AsSpan(EntryAt(b, j)));
                    b.AsSpan(EntryAt(b, j), F.EntrySize).CopyTo(m.AsSpan(EntryAt(b, i)));
                    ResealHeader(m);
                    h.Forged($"swap-entries {i},{j}", m);

                    // Kinds swapped.
                    m = (byte[])b.Clone();
                    SetU32(m, EntryAt(b, i), U32(b, EntryAt(b, j)));
                    SetU32(m, EntryAt(b, j), U32(b, EntryAt(b, i)));
                    h.Plain($"swap-kinds {i},{j}", m);
                    ResealHeader(m);
                    h.Forged($"swap-kinds-forged {i},{j}", m);
                }
            }
        }, TestContext.Current.CancellationToken);
        Report(h, 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task ForgedMetadataAndStringTablesNeverEscapeAsOtherExceptions()
    {
        var h = new Harness("detector", BlobSamples.DetectorBlob());
        await Task.Run(() =>
        {
            var b = h.Original;
            var rng = new Random(300);
            foreach (var kind in new[] { SectionKind.Metadata, SectionKind.Strings })
            {
                int i = IndexOf(b, kind);
                var (off, len) = Range(b, i);
                for (int k = 0; k < 800; k++)
                {
                    var payload = b.AsSpan(off, len).ToArray();
                    switch (k % 4)
                    {
                        case 0: payload[rng.Next(len)] ^= (byte)(1 << rng.Next(8)); break;
                        case 1: payload[rng.Next(len)] = (byte)rng.Next(256); break;
                        case 2: payload[rng.Next(len)] = (byte)"09{}[]\",:-.e"[rng.Next(12)]; break;
                        default:
                            int at = rng.Next(len);
                            rng.NextBytes(payload.AsSpan(at, Math.Min(1 + rng.Next(4), len - at)));
                            break;
                    }
                    h.Forged($"forged-{kind} {k}", WithPayload(b, i, payload));
                }
            }

            // Length-changing JSON edits through the writer: deleted, duplicated and replaced tokens.
            string json = Encoding.UTF8.GetString(ModelMetadataJson.Serialize(BlobSamples.DetectorMetadata()));
            string[] inserts = ["9999999999999999999999", "-1", "1e400", "null", "[[[[[[[[[[[[[[[[[[[[", "\"\\ud800\"", "{}", "\u0000", "true", "\"x\":1,", ",", "]", "}"];
            for (int k = 0; k < 600; k++)
            {
                int at = rng.Next(json.Length), cut = rng.Next(0, 8);
                string edited = json[..at] + (k % 3 == 0 ? "" : inserts[rng.Next(inserts.Length)]) + json[Math.Min(json.Length, at + cut)..];
                h.Forged($"json-edit {k}", ValidationTests.WithRawMetadata(edited));
            }
            for (int depth = 1; depth <= 200; depth += 7)
            {
                h.Forged($"json-depth {depth}", ValidationTests.WithRawMetadata(json.Replace("\"description\":\"test detector\"", "\"description\":" + new string('[', depth) + new string(']', depth))));
            }
        }, TestContext.Current.CancellationToken);
        Report(h, 2000);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(GraphSamples))]
    public async Task ForgedGraphSectionsAreRejectedOrConsistent(string sample)
    {
        var h = For(sample);
        await Task.Run(() =>
        {
            var b = h.Original;
            int i = IndexOf(b, SectionKind.Graph);
            var (off, len) = Range(b, i);
            var payload = b.AsSpan(off, len).ToArray();
            // every bit of the graph section, CRC re-sealed
            for (int bit = 0; bit < len * 8; bit++)
            {
                var p = (byte[])payload.Clone();
                p[bit / 8] ^= (byte)(1 << (bit % 8));
                h.Forged($"graph-flip {bit}", WithPayload(b, i, p));
            }
            // interesting values in every aligned u32 and u64 (counts, ids, offsets, lengths, shapes)
            var values = new List<ulong>(InterestingValues) { (ulong)len, (ulong)b.Length, 2, 3, 4, 5, 12, 16, 32, 64 };
            for (int at = 0; at + 4 <= len; at += 4)
            {
                foreach (ulong v in values)
                {
                    var p = (byte[])payload.Clone();
                    SetU32(p, at, (uint)v);
                    h.Forged($"graph-u32 {at}={v}", WithPayload(b, i, p));
                    if (at % 8 == 0 && at + 8 <= len)
                    {
                        p = (byte[])payload.Clone();
                        SetU64(p, at, v);
                        h.Forged($"graph-u64 {at}={v}", WithPayload(b, i, p));
                    }
                }
            }
            // random runs and swapped records
            var rng = new Random(400);
            for (int k = 0; k < 1000; k++)
            {
                var p = (byte[])payload.Clone();
                int at = rng.Next(len), run = Math.Min(rng.Next(1, 17), len - at);
                rng.NextBytes(p.AsSpan(at, run));
                h.Forged($"graph-random {at}+{run}", WithPayload(b, i, p));
            }
            // the PRMS section too: parameter values are only checked by the kernels (engine)
            int prms = IndexOf(b, SectionKind.Parameters);
            var (poff, plen) = Range(b, prms);
            for (int k = 0; k < 300; k++)
            {
                var p = b.AsSpan(poff, plen).ToArray();
                SetU32(p, rng.Next(plen / 4) * 4, (uint)InterestingValues[rng.Next(InterestingValues.Length)]);
                h.Forged($"prms-value {k}", WithPayload(b, prms, p));
            }
        }, TestContext.Current.CancellationToken);
        Report(h, sample == "graph" ? 20_000 : 10_000);   // graph-head has a shorter graph section
    }

    private static void Report(Harness h, int atLeast)
    {
        int total = h.Counts.Values.Sum();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{total} mutations ({string.Join(", ", h.Counts.Select(kv => $"{kv.Key} {kv.Value}"))}): " +
            $"{h.Rejected} rejected, {h.Identical} identical, {h.ForgedAccepted} forged accepted; slowest read {h.Slowest.TotalMilliseconds:F1} ms");
        Assert.True(total >= atLeast, $"only {total} mutations ran");
        Assert.True(total == 0 || h.Rejected > 0);
    }
}
