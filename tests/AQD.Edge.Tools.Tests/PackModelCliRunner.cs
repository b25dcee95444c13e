using AQD.Edge.PackModel;

namespace AQD.Edge.Tools.Tests;

/// <summary>Runs the pack-model command tree in-process with captured output.</summary>
internal static class PackModelCliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PackModelCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
