using System.Text.Json.Nodes;

namespace AQD.Edge.TrainReport.Tests;

/// <summary>
/// Real metrics.json files of aqd-train runs (FCOS M4F8L8 with its float model, FCOS M2F8L8 from that
/// float.pth, RetinaNet M4F8L8), copied to the output folder, and temp-folder variants of them.
/// </summary>
internal static class Fixtures
{
    public static readonly string[] Runs = ["fcos-w16-m4", "fcos-w16-m2-v3", "retina-w16-m4"];

    public static string Dir(string run) => Path.Combine(AppContext.BaseDirectory, "fixtures", run);

    public static JsonNode Json(string run) => JsonNode.Parse(File.ReadAllText(Path.Combine(Dir(run), "metrics.json")))!;

    public static double D(JsonNode n, string path)
    {
        foreach (var p in path.Split('.'))
        {
            n = n[p]!;
        }
        return n.GetValue<double>();
    }

    /// <summary>A fresh temp folder that deletes itself.</summary>
    public sealed class Temp : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("trainreport-").FullName;

        /// <summary>Writes <paramref name="json"/> as RUN/metrics.json and returns the run folder.</summary>
        public string Run(string name, JsonNode json)
        {
            string dir = System.IO.Path.Combine(Path, name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(System.IO.Path.Combine(dir, "metrics.json"), json.ToJsonString());
            return dir;
        }

        public void Dispose() => Directory.Delete(Path, true);
    }
}
