using AQD.Edge.Worker.Cli;
using AQD.Edge.Worker.Configuration;
using AQD.Edge.Worker.Tests.Support;

namespace AQD.Edge.Worker.Tests.Cli;

/// <summary>Settings: bound from the configuration sources in order, validated at start; a bad
/// setting is one clear message naming it and exit code 2, before anything starts.</summary>
public sealed class SettingsTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = WorkerCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--Pipeline:CaptureQueue=0", "CaptureQueue")]
    [InlineData("--Mqtt:DeviceId=bad/id", "DeviceId")]
    [InlineData("--Camera:Kind=Ffmpeg", "Camera:Input is required")]
    [InlineData("--Camera:Width=wide", "Camera")]
    [InlineData("--Mqtt:StatsInterval=00:00:00.001", "StatsInterval")]
    [InlineData("--Gpio:StatusLed=9999", "StatusLed")]
    public void A_bad_setting_is_one_clear_message_and_exit_code_2(string setting, string named)
    {
        var (code, output, error) = Run("run", $"--Detector:Model={TestPaths.WorkerDll}", setting);
        TestContext.Current.TestOutputHelper?.WriteLine(error);
        Assert.Equal(WorkerCli.BadSettings, code);
        Assert.StartsWith("aqd-edge: invalid settings", error);
        Assert.Contains(named, error);
        Assert.Equal("", output);
    }

    [Fact]
    public void A_missing_model_is_named_with_the_places_looked_in()
    {
        var (code, _, error) = Run("detect", "--Detector:Model=models/none.aqd", TestPaths.Images);
        Assert.Equal(WorkerCli.BadSettings, code);
        Assert.Contains("Detector:Model 'models/none.aqd' not found", error);
    }

    [Fact]
    public void Sources_apply_in_order_json_then_environment_then_command_line()
    {
        string dir = TestPaths.NewTempDir("cfg");
        string file = Path.Combine(dir, "extra.json");
        File.WriteAllText(file, """{ "Camera": { "Name": "fromjson", "Width": 320 }, "Mqtt": { "Port": 1000 } }""");
        Environment.SetEnvironmentVariable("AQD_Camera__Width", "400");
        try
        {
            var config = WorkerConfiguration.Build(file, ["--Mqtt:Port=2000", "--Pipeline:Labels:0=person", "--Pipeline:Labels:1=dog"]);
            var settings = WorkerSettings.Bind(config, out var failures);
            Assert.Empty(failures);
            Assert.Equal("fromjson", settings.Camera.Name); // file
            Assert.Equal(400, settings.Camera.Width);       // environment over file
            Assert.Equal(2000, settings.Mqtt.Port);         // command line over file
            Assert.Equal(["person", "dog"], settings.Pipeline.Labels.Take(2)); // array items by index, over the sample's list
            Assert.Equal(480, settings.Camera.Height);      // default kept
        }
        finally
        {
            Environment.SetEnvironmentVariable("AQD_Camera__Width", null);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_sample_appsettings_next_to_the_binary_is_valid()
    {
        var settings = WorkerSettings.Bind(WorkerConfiguration.Build(null, []), out var failures);
        Assert.Empty(failures);
        Assert.Empty(settings.Validate(requireModel: false));
        Assert.Contains("person", settings.Pipeline.Labels);
    }
}
