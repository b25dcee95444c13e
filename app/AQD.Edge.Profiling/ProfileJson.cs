using System.Text.Json;
using System.Text.Json.Serialization;

namespace AQD.Edge.Profiling;

/// <summary>The <see cref="ProfileReport"/> as JSON (System.Text.Json source generation: NativeAOT-safe, no reflection).</summary>
public static class ProfileJson
{
    public static string Serialize(ProfileReport report) => JsonSerializer.Serialize(report, ProfileJsonContext.Default.ProfileReport);

    public static ProfileReport? Deserialize(string json) => JsonSerializer.Deserialize(json, ProfileJsonContext.Default.ProfileReport);
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ProfileReport))]
internal sealed partial class ProfileJsonContext : JsonSerializerContext;
