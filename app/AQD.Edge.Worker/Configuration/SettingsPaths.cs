namespace AQD.Edge.Worker.Configuration;

/// <summary>Relative paths of the settings: the working directory first, then the binary's folder
/// (where publish.sh puts the model and appsettings.json).</summary>
public static class SettingsPaths
{
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path) || Directory.Exists(path)) return Path.GetFullPath(path);
        string beside = Path.Combine(AppContext.BaseDirectory, path);
        return File.Exists(beside) || Directory.Exists(beside) ? beside : Path.GetFullPath(path);
    }
}
