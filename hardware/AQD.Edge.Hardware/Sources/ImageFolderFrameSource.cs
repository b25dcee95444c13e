using AQD.Edge.Hardware.Diagnostics;
using AQD.Edge.Hardware.Frames;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace AQD.Edge.Hardware.Sources;

/// <summary>Settings of <see cref="ImageFolderFrameSource"/>.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Folder with .jpg/.jpeg/.png files (read in ordinal name order; not recursive).</summary>
    public required string Folder { get; init; }
    /// <summary>Start again after the last image.</summary>
    public bool Loop { get; init; }
    /// <summary>Pace frames on the TimeProvider (null: as fast as they are read).</summary>
    public TimeSpan? FrameInterval { get; init; }
    /// <summary>Frames preallocated in the pool.</summary>
    public int PoolFrames { get; init; } = 2;
    /// <summary>Initial bytes per pooled frame (frames grow once for larger images).</summary>
    public int InitialFrameBytes { get; init; } = 3 * 640 * 480;
}

/// <summary>
/// Photos from a folder, decoded with ImageSharp 2.1 into pooled Rgb24 frames at their own size.
/// File bytes are read into one reused buffer. An unreadable or undecodable file is logged and
/// skipped. The file list is taken at the start of each pass.
/// </summary>
public sealed class ImageFolderFrameSource : FrameSourceBase
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];
    private readonly ImageFolderOptions _options;
    private string[] _files = [];
    private int _next;
    private bool _started;
    private bool _deliveredThisPass;
    private byte[] _fileBuffer = new byte[1 << 20];

    /// <summary>Creates the source; the folder must exist.</summary>
    public ImageFolderFrameSource(ImageFolderOptions options, TimeProvider? timeProvider = null, ILogger<ImageFolderFrameSource>? logger = null, FramePool? pool = null)
        : base(pool ?? new FramePool(options.PoolFrames, options.InitialFrameBytes), timeProvider, logger)
    {
        if (!Directory.Exists(options.Folder)) throw new DirectoryNotFoundException($"Image folder not found: {options.Folder}");
        _options = options;
        Name = $"images {options.Folder}";
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The image files of the folder in the order they are read.</summary>
    public static string[] ListImages(string folder)
    {
        var files = Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <inheritdoc />
    protected override async ValueTask<Frame?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        if (_started && _options.FrameInterval is { } interval && interval > TimeSpan.Zero)
            await Task.Delay(interval, TimeProvider, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_started || _next >= _files.Length)
            {
                if (_started && (!_options.Loop || !_deliveredThisPass)) return null; // a pass without one good image: stop
                if (_started) Stats.AddLoop();
                _deliveredThisPass = false;
                _started = true;
                _files = ListImages(_options.Folder);
                _next = 0;
                if (_files.Length == 0)
                {
                    Log.EmptyFolder(Logger, Name, _options.Folder);
                    return null;
                }
            }
            string path = _files[_next++];
            int length;
            try
            {
                length = ReadFile(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Stats.AddSkipped();
                Log.FrameSkipped(Logger, Name, $"{Path.GetFileName(path)}: {ex.Message}");
                continue;
            }
            var frame = MjpegFrames.ToFrame(_fileBuffer.AsSpan(0, length), decode: true, Pool, out string? error);
            if (frame is null)
            {
                Stats.AddSkipped();
                Log.FrameSkipped(Logger, Name, $"{Path.GetFileName(path)}: {error}");
                continue;
            }
            _deliveredThisPass = true;
            return Deliver(frame);
        }
    }

    private int ReadFile(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path);
        long size = RandomAccess.GetLength(handle);
        if (size > 256 << 20) throw new IOException("file larger than 256 MB");
        if (size > _fileBuffer.Length) _fileBuffer = new byte[size];
        int read = 0;
        while (read < size)
        {
            int n = RandomAccess.Read(handle, _fileBuffer.AsSpan(read, (int)size - read), read);
            if (n == 0) break;
            read += n;
        }
        return read;
    }
}
