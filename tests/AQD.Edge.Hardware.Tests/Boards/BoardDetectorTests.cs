using AQD.Edge.Hardware.Boards;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Hardware.Tests.Support;

namespace AQD.Edge.Hardware.Tests.Boards;

public class BoardDetectorTests
{
    private static string FakeRoot(string? procModel = null, string? sysModel = null, bool tegra = false)
    {
        string root = TestPaths.NewTempDir("board");
        void Write(string rel, string text)
        {
            string path = Path.Combine(root, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        if (procModel is not null) Write("proc/device-tree/model", procModel + "\0");
        if (sysModel is not null) Write("sys/firmware/devicetree/base/model", sysModel + "\0");
        if (tegra) Write("etc/nv_tegra_release", "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64\n");
        return root;
    }

    [Theory]
    [InlineData("Raspberry Pi 4 Model B Rev 1.5", BoardKind.RaspberryPi4)]
    [InlineData("Raspberry Pi Compute Module 4 Rev 1.1", BoardKind.RaspberryPi4)]
    [InlineData("Raspberry Pi 5 Model B Rev 1.0", BoardKind.RaspberryPi5)]
    [InlineData("NVIDIA Jetson Orin Nano Developer Kit", BoardKind.JetsonOrinNano)]
    [InlineData("Raspberry Pi 3 Model B Plus Rev 1.3", BoardKind.Generic)]
    public void Detects_from_the_device_tree_model(string model, BoardKind expected)
    {
        var profile = BoardDetector.Detect(FakeRoot(procModel: model));
        Assert.Equal(expected, profile.Kind);
    }

    [Fact]
    public void Falls_back_to_sys_firmware_and_tegra_release()
    {
        Assert.Equal(BoardKind.RaspberryPi5, BoardDetector.Detect(FakeRoot(sysModel: "Raspberry Pi 5 Model B Rev 1.0")).Kind);
        Assert.Equal(BoardKind.JetsonOrinNano, BoardDetector.Detect(FakeRoot(tegra: true)).Kind);
        var generic = BoardDetector.Detect(FakeRoot());
        Assert.Equal(BoardKind.Generic, generic.Kind);
        Assert.Equal(Environment.ProcessorCount, generic.Cores);
        Assert.Equal(GpioPins.None, generic.Pins);
    }

    [Fact]
    public void Configuration_overrides_detection()
    {
        var logger = new ListLogger<BoardDetectorTests>();
        var p = BoardDetector.Detect(FakeRoot(procModel: "Raspberry Pi 4 Model B"), BoardKind.RaspberryPi5, logger);
        Assert.Equal(BoardKind.RaspberryPi5, p.Kind);
        Assert.Contains(logger.Entries, e => e.Message.Contains("configured", StringComparison.Ordinal));
        // Fields are overridable with `with`.
        var custom = p with { Pins = new GpioPins(5, 6, null), DefaultCamera = CameraKind.V4l2 };
        Assert.Equal(5, custom.Pins.StatusLed);
    }

    [Fact]
    public void Profiles_carry_the_board_facts()
    {
        Assert.Equal(4, BoardProfile.RaspberryPi4.Cores);
        Assert.Equal(CameraKind.Rpicam, BoardProfile.RaspberryPi5.DefaultCamera);
        Assert.Equal(6, BoardProfile.JetsonOrinNano.Cores);
        Assert.True(BoardProfile.RaspberryPi4.HasVcgencmd);
        Assert.Equal(new GpioPins(17, 27, 22), BoardProfile.RaspberryPi4.Pins);
        _ = typeof(IFrameSource);
    }
}
