using AQD.Edge.Hardware.Frames;
using AQD.Edge.Hardware.Tests.Support;

namespace AQD.Edge.Hardware.Tests.Frames;

public class JpegScannerTests
{
    private static readonly byte[][] Jpegs = [TestJpegs.Pattern(0), TestJpegs.Pattern(10, 64, 48), TestJpegs.Pattern(20, 80, 80, 50)];

    // A JPEG whose APP1 segment carries a complete thumbnail JPEG (its own SOI..EOI).
    private static byte[] WithThumbnail(byte[] main, byte[] thumb)
    {
        var app1 = new List<byte> { 0xFF, 0xE1 };
        int len = 2 + 6 + thumb.Length;
        app1.Add((byte)(len >> 8)); app1.Add((byte)len);
        app1.AddRange("Exif\0\0"u8.ToArray());
        app1.AddRange(thumb);
        return [.. main.AsSpan(0, 2), .. app1, .. main.AsSpan(2)];
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact]
    public void Splits_concatenated_jpegs_with_garbage_between()
    {
        byte[] garbage = [0x00, 0x12, 0xFF, 0x00, 0xFF];
        var stream = Concat(garbage, Jpegs[0], garbage, Jpegs[1], Jpegs[2]);
        var found = new List<byte[]>();
        var data = stream.AsSpan();
        while (JpegScanner.Scan(data, out int start, out int length) == JpegScanResult.Complete)
        {
            found.Add(data.Slice(start, length).ToArray());
            data = data[(start + length)..];
        }
        Assert.Equal(3, found.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(Jpegs[i], found[i]);
    }

    [Fact]
    public void Thumbnail_inside_app1_does_not_end_the_frame()
    {
        var jpeg = WithThumbnail(Jpegs[0], Jpegs[1]);
        Assert.Equal(JpegScanResult.Complete, JpegScanner.Scan(jpeg, out int start, out int length));
        Assert.Equal(0, start);
        Assert.Equal(jpeg.Length, length);
        Assert.True(JpegScanner.TryReadSize(jpeg, out int w, out int h));
        Assert.Equal((96, 64), (w, h));
    }

    [Fact]
    public void Incomplete_jpeg_needs_more_data_at_every_cut()
    {
        var jpeg = Jpegs[1];
        for (int cut = 0; cut < jpeg.Length; cut += 37)
            Assert.Equal(JpegScanResult.NeedMoreData, JpegScanner.Scan(jpeg.AsSpan(0, cut), out _, out _));
    }

    [Fact]
    public void Broken_marker_structure_is_corrupt()
    {
        byte[] broken = [0xFF, 0xD8, 0x12, 0x34, 0x56];
        Assert.Equal(JpegScanResult.Corrupt, JpegScanner.Scan(broken, out int start, out _));
        Assert.Equal(0, start);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Stream_reader_returns_every_jpeg_whatever_the_chunking(int chunk)
    {
        byte[] corrupt = [0xFF, 0xD8, 0x00, 0x00, 0x00];
        var bytes = Concat(Jpegs[0], corrupt, Jpegs[1], [1, 2, 3], Jpegs[2], [0xFF]);
        var reader = new MjpegStreamReader(new ChunkedStream(bytes, chunk), initialCapacity: 4096);
        var found = new List<byte[]>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken)) found.Add(reader.Current.ToArray());
        Assert.Equal(3, found.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(Jpegs[i], found[i]);
        Assert.Equal(1, reader.Corrupt);
    }

    [Fact]
    public async Task Stream_reader_drops_oversized_frames_and_recovers()
    {
        var big = TestJpegs.Pattern(5, 320, 240, 100);
        var bytes = Concat(big, Jpegs[0]);
        var reader = new MjpegStreamReader(new MemoryStream(bytes), initialCapacity: 4096, maxFrameBytes: 8192);
        Assert.True(big.Length > 8192);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Jpegs[0], reader.Current.ToArray());
        Assert.True(reader.Oversized >= 1);
    }

    [Fact]
    public void Mjpeg_frames_decode_or_stay_raw()
    {
        var pool = new FramePool(2, 100);
        using (var raw = MjpegFrames.ToFrame(Jpegs[0], decode: false, pool, out _)!)
        {
            Assert.Equal(FramePixelFormat.Mjpeg, raw.Format);
            Assert.Equal((96, 64), (raw.Width, raw.Height));
            Assert.Equal(Jpegs[0], raw.Data.ToArray());
        }
        using (var rgb = MjpegFrames.ToFrame(Jpegs[0], decode: true, pool, out _)!)
        {
            Assert.Equal(FramePixelFormat.Rgb24, rgb.Format);
            Assert.Equal(3 * 96 * 64, rgb.Data.Length);
            var expected = new byte[3 * 96 * 64];
            AQD.Edge.Hardware.Sources.TestPatternFrameSource.Render(0, 3, 96, 64, expected);
            Assert.True(TestJpegs.MeanAbsDiff(expected, rgb.Data) < 4, "decoded JPEG far from the pattern it encodes");
        }
        Assert.Null(MjpegFrames.ToFrame([0xFF, 0xD8, 0xFF, 0xD9], decode: true, pool, out string? error));
        Assert.NotNull(error);
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
