using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace AQD.Edge.Model.Mapping;

/// <summary>
/// The one piece of file I/O in this library, kept apart from the container code: maps a file
/// read-only and hands out its bytes as <see cref="ReadOnlyMemory{T}"/> for
/// <see cref="Container.BlobReader.Open"/>. The view is page-aligned, so 64-byte aligned sections
/// are 64-byte aligned in memory. Dispose it only after everything using the memory is gone.
/// </summary>
public sealed unsafe class MappedBlobFile : MemoryManager<byte>
{
    private readonly MemoryMappedFile file;
    private readonly MemoryMappedViewAccessor view;
    private readonly byte* pointer;
    private readonly int length;
    private bool disposed;

    private MappedBlobFile(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, int length)
    {
        this.file = file;
        this.view = view;
        this.pointer = pointer;
        this.length = length;
    }

    /// <summary>Maps <paramref name="path"/> read-only.</summary>
    /// <exception cref="IOException">Missing, empty or over 2 GiB.</exception>
    public static MappedBlobFile Open(string path)
    {
        long size = new FileInfo(path).Length;
        if (size <= 0 || size > int.MaxValue)
        {
            throw new IOException($"{path}: {size} bytes; a model blob is 1 byte to 2 GiB.");
        }
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(0, size, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            return new MappedBlobFile(file, view, p + view.PointerOffset, (int)size);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>The file's bytes (read-only; valid until disposal).</summary>
    public ReadOnlyMemory<byte> Bytes => Memory;

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return new Span<byte>(pointer, length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return new MemoryHandle(pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        file.Dispose();
    }
}
