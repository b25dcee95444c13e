using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Sources;
using AQD.Edge.Hardware.Tests.Support;
using SixLabors.ImageSharp;

namespace AQD.Edge.Hardware.Tests.Sources;

public class ImageFolderSourceTests
{
    [Fact]
    public async Task Reads_the_bundled_photos_in_name_order_at_their_size()
    {
        var ct = TestContext.Current.CancellationToken;
        var files = ImageFolderFrameSource.ListImages(TestPaths.Images);
        Assert.Equal(["dog.jpg", "eagle.jpg", "person.jpg"], files.Select(Path.GetFileName).ToArray());
        using var src = new ImageFolderFrameSource(new ImageFolderOptions { Folder = TestPaths.Images });
        int i = 0;
        await foreach (var frame in src.ReadAllAsync(ct))
        {
            using (frame)
            {
                var info = Image.Identify(files[i]);
                Assert.Equal((info.Width, info.Height), (frame.Width, frame.Height));
                Assert.Equal(FramePixelFormat.Rgb24, frame.Format);
                Assert.Equal(i, frame.Sequence);
                // A real photo: many distinct values, not a flat or blank buffer.
                var histogram = new int[256];
                foreach (var v in frame.Data) histogram[v]++;
                Assert.True(histogram.Count(c => c > 0) > 200, "decoded photo looks flat");
                // Compare with a plain ImageSharp decode (same library, same result).
                using var reference = Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(files[i]);
                var expected = new byte[3 * reference.Width * reference.Height];
                reference.CopyPixelDataTo(expected);
                Assert.Equal(expected, frame.Data.ToArray());
            }
            i++;
        }
        Assert.Equal(3, i);
    }

    [Fact]
    public async Task Skips_bad_files_and_loops()
    {
        var ct = TestContext.Current.CancellationToken;
        string dir = TestPaths.NewTempDir("folder");
        File.Copy(Path.Combine(TestPaths.Images, "eagle.jpg"), Path.Combine(dir, "a.jpg"));
        File.WriteAllBytes(Path.Combine(dir, "b.jpg"), [0xFF, 0xD8, 1, 2, 3]);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "ignored");
        var logger = new ListLogger<ImageFolderFrameSource>();
        using var src = new ImageFolderFrameSource(new ImageFolderOptions { Folder = dir, Loop = true }, logger: logger);
        for (int n = 0; n < 3; n++)
        {
            using var f = await src.ReadFrameAsync(ct);
            Assert.NotNull(f);
            Assert.Equal(n, f.Sequence);
        }
        Assert.Equal(2, src.Stats.Loops);
        Assert.True(src.Stats.Skipped >= 2);
        Assert.Contains(logger.Entries, e => e.Message.Contains("b.jpg", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_folder_without_good_images_ends_instead_of_spinning()
    {
        string dir = TestPaths.NewTempDir("bad-folder");
        File.WriteAllBytes(Path.Combine(dir, "x.png"), [1, 2, 3]);
        using var src = new ImageFolderFrameSource(new ImageFolderOptions { Folder = dir, Loop = true });
        Assert.Null(await src.ReadFrameAsync(TestContext.Current.CancellationToken));
        Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderFrameSource(new ImageFolderOptions { Folder = Path.Combine(dir, "missing") }));
    }
}
