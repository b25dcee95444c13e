using System.Text;
using System.Text.Json;

namespace AQD.Edge.Profiling;

/// <summary>
/// Writes a <see cref="ProfileRun"/> in the Chrome trace-event format (JSON object with
/// "traceEvents"), which ui.perfetto.dev and chrome://tracing open: one complete event ("ph": "X")
/// per timed iteration ("inference #i", category "inference") and, nested in it on the same track,
/// one per op per iteration (name = op name, category = op type, args: step, shape, bits, MACs,
/// bands, group). Times in microseconds from the first timed iteration's start.
/// </summary>
public static class PerfettoTrace
{
    public const int ProcessId = 1, ThreadId = 1;

    public static void Write(Stream stream, ProfileRun run)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(run);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ms");
        w.WriteStartArray("traceEvents");
        Metadata(w, "process_name", $"aqd-edge profile {Path.GetFileName(run.Model)}");
        Metadata(w, "thread_name", $"engine ({run.Threads} thread{(run.Threads == 1 ? "" : "s")})");
        long origin = run.Iterations > 0 ? run.IterationStart[0] : 0;
        for (int i = 0; i < run.Iterations; i++)
        {
            long start = run.IterationStart[i];
            Slice(w, $"inference #{i}", "inference", start - origin, run.IterationTicks[i], null);
            long t = start;
            foreach (var layer in run.Layers)
            {
                long ticks = run.Ticks(i, layer.Step);
                Slice(w, layer.Name, layer.OpType, t - origin, ticks, layer);
                t += ticks;
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static string ToJson(ProfileRun run)
    {
        using var ms = new MemoryStream();
        Write(ms, run);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Metadata(Utf8JsonWriter w, string name, string value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", ProcessId);
        w.WriteNumber("tid", ThreadId);
        w.WriteStartObject("args");
        w.WriteString("name", value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Slice(Utf8JsonWriter w, string name, string category, long startTicks, long durationTicks, LayerInfo? layer)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("cat", category);
        w.WriteString("ph", "X");
        w.WriteNumber("ts", Math.Round(ProfileRun.Milliseconds(startTicks) * 1000, 3));
        w.WriteNumber("dur", Math.Round(ProfileRun.Milliseconds(durationTicks) * 1000, 3));
        w.WriteNumber("pid", ProcessId);
        w.WriteNumber("tid", ThreadId);
        if (layer is not null)
        {
            w.WriteStartObject("args");
            w.WriteNumber("step", layer.Step);
            w.WriteString("shape", layer.Shape);
            w.WriteString("bits", layer.Bits);
            w.WriteNumber("macs", layer.Macs);
            w.WriteNumber("bands", layer.Bands);
            w.WriteString("group", layer.Group.ToString());
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
