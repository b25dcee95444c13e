// The DETC section (detector decode tables, docs/blob-format.md "Detection section"): writes and
// reads DetectionParams. All fields are little-endian int32:
//   header   16 x i32   version (1), family, numClasses, levelCount, inputWidth, inputHeight,
//                       inputChannels, regMax, anchorsPerCell, scoreThresholdPermille,
//                       iouThresholdPermille, maxDetections, topKPerClass, reserved x 3 (0)
//   input     4 x i32   inputSource[0..3] (entries past inputChannels are 0)
//            inputChannels x 256 x i32   inputTables
//   levels   levelCount x 16 x i32   stride, gridWidth, gridHeight, classOutput, boxOutput,
//                       centernessOutput, flags (bit 0 class int8, 1 box int8, 2 centerness int8,
//                       3 class int16), classThreshold, centerOffsetQ8, scoreMultiplier,
//                       scoreShift (int16 class scores; 0 otherwise), reserved x 5 (0)
//   tables   per level: scoreTable[256] (8-bit class scores), boxTable[256], boxExpTable[256] (retinanet),
//                       centernessTable[256] (fcos), anchors[2 x anchorsPerCell] (retinanet)
// The length must be exactly what the counts give. Rules: DetectionParams.Validate.
using System.Buffers.Binary;
using AQD.Edge.Kernels.Detection;
using AQD.Edge.Kernels.Tensors;
using AQD.Edge.Model.Container;

namespace AQD.Edge.Model.Detection;

/// <summary>Serialization and validation of the DETC section.</summary>
public static class DetectionSection
{
    public const int Version = 1;
    public const int HeaderInts = 16;
    public const int LevelInts = 16;
    private const int MaxChannels = 4;
    private const int T = DetectionParams.TableSize;

    private static readonly string[] HeaderFields =
    [
        "version", "family", "numClasses", "levelCount", "inputWidth", "inputHeight", "inputChannels", "regMax",
        "anchorsPerCell", "scoreThresholdPermille", "iouThresholdPermille", "maxDetections", "topKPerClass",
        "reserved[0]", "reserved[1]", "reserved[2]",
    ];

    private static readonly string[] LevelFields =
    [
        "stride", "gridWidth", "gridHeight", "classOutput", "boxOutput", "centernessOutput", "flags", "classThreshold",
        "centerOffsetQ8", "scoreMultiplier", "scoreShift", "reserved[0]", "reserved[1]", "reserved[2]", "reserved[3]", "reserved[4]",
    ];

    /// <summary>The section bytes of validated parameters.</summary>
    /// <exception cref="ArgumentException">The parameters break a rule (ParamName = field path).</exception>
    public static byte[] Write(DetectionParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.Validate();
        var ints = new List<int>
        {
            Version, (int)p.Family, p.NumClasses, p.Levels.Count, p.InputWidth, p.InputHeight, p.InputSource.Length, p.RegMax,
            p.AnchorsPerCell, p.ScoreThresholdPermille, p.IouThresholdPermille, p.MaxDetections, p.TopKPerClass, 0, 0, 0,
        };
        for (int k = 0; k < MaxChannels; k++)
        {
            ints.Add(k < p.InputSource.Length ? p.InputSource[k] : 0);
        }
        foreach (var t in p.InputTables)
        {
            ints.AddRange(t);
        }
        foreach (var l in p.Levels)
        {
            int flags = (l.ClassStorage == ActivationStorage.Int8 ? 1 : 0) | (l.BoxSigned ? 2 : 0) | (l.CenternessSigned ? 4 : 0)
                | (l.ClassStorage == ActivationStorage.Int16 ? 8 : 0);
            ints.AddRange([l.Stride, l.GridWidth, l.GridHeight, l.ClassOutput, l.BoxOutput, l.CenternessOutput, flags, l.ClassThreshold, l.CenterOffsetQ8,
                l.ScoreMultiplier, l.ScoreShift, 0, 0, 0, 0, 0]);
        }
        foreach (var l in p.Levels)
        {
            if (l.ScoreTable is not null)
            {
                ints.AddRange(l.ScoreTable);
            }
            ints.AddRange(l.BoxTable);
            if (p.Family == DetectionFamily.RetinaNet)
            {
                ints.AddRange(l.BoxExpTable!);
            }
            if (p.Family == DetectionFamily.Fcos)
            {
                ints.AddRange(l.CenternessTable!);
            }
            if (p.Family == DetectionFamily.RetinaNet)
            {
                ints.AddRange(l.Anchors!);
            }
        }
        var bytes = new byte[ints.Count * 4];
        for (int i = 0; i < ints.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), ints[i]);
        }
        return bytes;
    }

    /// <summary>
    /// Relative byte offset of a field path in the section written for <paramref name="p"/> (header
    /// fields, "levels[i].name", "inputSource[k]"); 0 for paths it does not know.
    /// </summary>
    public static long FieldOffset(DetectionParams p, string field)
    {
        ArgumentNullException.ThrowIfNull(p);
        int h = Array.IndexOf(HeaderFields, field);
        if (h >= 0)
        {
            return 4L * h;
        }
        long levelsAt = 4L * (HeaderInts + MaxChannels) + 4L * T * p.InputSource.Length;
        for (int i = 0; i < p.Levels.Count; i++)
        {
            string prefix = $"levels[{i}].";
            if (field.StartsWith(prefix, StringComparison.Ordinal))
            {
                int f = Array.IndexOf(LevelFields, field[prefix.Length..]);
                return f >= 0 ? levelsAt + 4L * (LevelInts * i + f) : levelsAt + 4L * LevelInts * i;
            }
        }
        return 0;
    }

    /// <summary>Parses and validates a DETC section.</summary>
    /// <exception cref="BlobFormatException">Section, field path and absolute byte offset of the first problem.</exception>
    public static DetectionParams Read(BlobSection section, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(section);
        var payload = section.Payload;
        string label = section.Label;
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        BlobFormatException Fail(string field, long rel, string problem, Exception? inner = null) => new(sourceName, label, field, section.Offset + rel, problem, inner);
        int pos = 0;
        int Next(string field)
        {
            if (pos + 4 > payload.Length)
            {
                throw Fail(field, Math.Min(pos, payload.Length), $"the section ends at byte {payload.Length} (relative) before this field.");
            }
            offsets[field] = pos;
            int v = BinaryPrimitives.ReadInt32LittleEndian(payload.Span[pos..]);
            pos += 4;
            return v;
        }
        int[] Table(string field, int count)
        {
            if ((long)pos + 4L * count > payload.Length)
            {
                throw Fail(field, pos, $"{count} entries run past the section's end at byte {payload.Length} (relative).");
            }
            offsets[field] = pos;
            var t = new int[count];
            for (int i = 0; i < count; i++)
            {
                t[i] = BinaryPrimitives.ReadInt32LittleEndian(payload.Span[(pos + 4 * i)..]);
            }
            pos += 4 * count;
            return t;
        }
        void Check(bool ok, string field, string problem)
        {
            if (!ok)
            {
                throw Fail(field, offsets[field], problem);
            }
        }

        var h = new int[HeaderInts];
        for (int i = 0; i < HeaderInts; i++)
        {
            h[i] = Next(HeaderFields[i]);
        }
        Check(h[0] == Version, "version", $"version {h[0]}; this reader knows version {Version}.");
        for (int i = 13; i < HeaderInts; i++)
        {
            Check(h[i] == 0, HeaderFields[i], $"reserved field holds {h[i]}; must be 0.");
        }
        Check(h[3] is >= 1 and <= DetectionParams.MaxLevels, "levelCount", $"{h[3]} levels; must be 1..{DetectionParams.MaxLevels}.");
        Check(h[6] is 1 or 3, "inputChannels", $"{h[6]} input channels; must be 1 or 3.");
        Check(h[8] is >= 1 and <= DetectionParams.MaxAnchorsPerCell, "anchorsPerCell", $"{h[8]} anchors per cell; must be 1..{DetectionParams.MaxAnchorsPerCell}.");
        var family = (DetectionFamily)h[1];
        Check(Enum.IsDefined(family), "family", $"family {h[1]}; must be 1 (gfl), 2 (fcos) or 3 (retinanet).");
        int channels = h[6], levelCount = h[3], anchors = h[8];
        var source = new int[channels];
        for (int k = 0; k < MaxChannels; k++)
        {
            int v = Next($"inputSource[{k}]");
            if (k < channels)
            {
                source[k] = v;
            }
            else
            {
                Check(v == 0, $"inputSource[{k}]", $"holds {v} past the {channels} input channels; must be 0.");
            }
        }
        var inputTables = new int[channels][];
        for (int k = 0; k < channels; k++)
        {
            inputTables[k] = Table($"inputTables[{k}]", T);
        }
        var records = new int[levelCount][];
        for (int i = 0; i < levelCount; i++)
        {
            records[i] = new int[LevelInts];
            for (int f = 0; f < LevelInts; f++)
            {
                records[i][f] = Next($"levels[{i}].{LevelFields[f]}");
            }
            for (int f = 11; f < LevelInts; f++)
            {
                Check(records[i][f] == 0, $"levels[{i}].{LevelFields[f]}", $"reserved field holds {records[i][f]}; must be 0.");
            }
            Check((records[i][6] & ~15) == 0 && (records[i][6] & 9) != 9, $"levels[{i}].flags", $"flags 0x{records[i][6]:X}; only bits 0..3 are defined, and bits 0 (int8) and 3 (int16) exclude each other.");
        }
        var levels = new DetectionLevel[levelCount];
        for (int i = 0; i < levelCount; i++)
        {
            var r = records[i];
            string p = $"levels[{i}].";
            bool wide = (r[6] & 8) != 0;
            var score = wide ? null : Table(p + "scoreTable", T);
            var box = Table(p + "boxTable", T);
            var exp = family == DetectionFamily.RetinaNet ? Table(p + "boxExpTable", T) : null;
            var ctr = family == DetectionFamily.Fcos ? Table(p + "centernessTable", T) : null;
            var anc = family == DetectionFamily.RetinaNet ? Table(p + "anchors", 2 * anchors) : null;
            levels[i] = new DetectionLevel
            {
                Stride = r[0], GridWidth = r[1], GridHeight = r[2], ClassOutput = r[3], BoxOutput = r[4], CenternessOutput = r[5],
                ClassStorage = wide ? ActivationStorage.Int16 : (r[6] & 1) != 0 ? ActivationStorage.Int8 : ActivationStorage.UInt8,
                BoxSigned = (r[6] & 2) != 0, CenternessSigned = (r[6] & 4) != 0,
                ClassThreshold = r[7], CenterOffsetQ8 = r[8], ScoreMultiplier = r[9], ScoreShift = r[10],
                ScoreTable = score, BoxTable = box, BoxExpTable = exp, CenternessTable = ctr, Anchors = anc,
            };
        }
        if (pos != payload.Length)
        {
            throw Fail("length", pos, $"the section holds {payload.Length} bytes; its counts give {pos}.");
        }
        var result = new DetectionParams
        {
            Family = family, NumClasses = h[2], InputWidth = h[4], InputHeight = h[5], RegMax = h[7], AnchorsPerCell = anchors,
            ScoreThresholdPermille = h[9], IouThresholdPermille = h[10], MaxDetections = h[11], TopKPerClass = h[12],
            Levels = levels, InputSource = source, InputTables = inputTables,
        };
        try
        {
            result.Validate();
        }
        catch (ArgumentException e)
        {
            string field = e.ParamName ?? "section";
            throw Fail(field, OffsetOf(field, offsets), e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal), e);
        }
        return result;
    }

    /// <summary>Relative offset of a field path; "x[17]" inside a table is the table's start + 4 * 17.</summary>
    private static long OffsetOf(string field, Dictionary<string, long> offsets)
    {
        if (offsets.TryGetValue(field, out long o))
        {
            return o;
        }
        int open = field.LastIndexOf('[');
        if (open > 0 && field.EndsWith(']') && offsets.TryGetValue(field[..open], out long start)
            && int.TryParse(field.AsSpan(open + 1, field.Length - open - 2), out int index))
        {
            return start + 4L * index;
        }
        return 0;
    }
}
