using System.Buffers.Binary;
using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;

namespace AQD.Edge.Aqd.Checkpoints;

/// <summary>Element type of a stored tensor.</summary>
public enum PthDType
{
    Float32,
    Float16,
    Float64,
    Int64,
}

/// <summary>
/// One tensor of a state_dict: dtype, shape and the values of its (contiguous) elements, read from
/// the storage at the tensor's offset. Floating values are widened exactly to double.
/// </summary>
public sealed class PthTensor(string name, PthDType dtype, int[] shape, double[] values)
{
    public string Name { get; } = name;
    public PthDType DType { get; } = dtype;
    public IReadOnlyList<int> Shape { get; } = shape;
    public double[] Values { get; } = values;
    public int Count => Values.Length;
    public override string ToString() => $"{Name} {DType} [{string.Join(", ", Shape)}]";
}

/// <summary>A .pth file could not be read: names the file, the entry and what is wrong.</summary>
public sealed class PthFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a PyTorch state_dict saved by <c>torch.save</c> in the zip format (PyTorch &gt;= 1.6):
/// <c>&lt;archive&gt;/data.pkl</c> (the pickled OrderedDict of name -> tensor, tensors pickled as
/// <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)</c> with storages as
/// persistent ids <c>('storage', torch.FloatStorage, key, location, numel)</c>) and
/// <c>&lt;archive&gt;/data/&lt;key&gt;</c> (raw little-endian storages). Unpickling uses Razorvine.Pickle
/// with constructors registered only for those globals; anything else is an error. Every problem
/// (not a zip, no data.pkl, corrupt pickle, unknown dtype, non-contiguous tensor, missing or
/// truncated storage, non-tensor value) is a <see cref="PthFormatException"/> naming the file and entry.
/// </summary>
public static class PthReader
{
    private const int MaxElements = 1 << 28;

    public static IReadOnlyDictionary<string, PthTensor> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static IReadOnlyDictionary<string, PthTensor> Read(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new PthFormatException($"{fileName}: not a zip archive (torch.save zip format expected; legacy pickle-only .pth files are not supported): {e.Message}", e);
        }
        using (zip)
        {
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(ch => ch == '/') == 1)
                ?? throw new PthFormatException($"{fileName}: no '<archive>/data.pkl' entry in the zip.");
            string root = pkl.FullName[..^"data.pkl".Length];
            byte[] pickle = ReadEntry(pkl, fileName);
            object state;
            var storages = new List<StorageRef>();
            try
            {
                using var u = new TorchUnpickler(storages);
                state = u.loads(pickle);
            }
            catch (Exception e) when (e is PickleException or InvalidCastException or InvalidOperationException or ArgumentException
                or IndexOutOfRangeException or NullReferenceException or IOException or KeyNotFoundException or FormatException)
            {
                throw new PthFormatException($"{fileName}: entry {pkl.FullName}: corrupt or unsupported pickle: {e.Message}", e);
            }
            if (state is not IDictionary dict)
            {
                throw new PthFormatException($"{fileName}: entry {pkl.FullName}: the pickled object is a {state?.GetType().Name ?? "null"}, not a state_dict (dictionary of tensors).");
            }
            var storageBytes = new Dictionary<string, byte[]>();
            var result = new Dictionary<string, PthTensor>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in dict)
            {
                string name = e.Key as string ?? throw new PthFormatException($"{fileName}: state_dict key {e.Key} is not a string.");
                if (e.Value is not TensorRef t)
                {
                    throw new PthFormatException($"{fileName}: '{name}' is a {e.Value?.GetType().Name ?? "null"}, not a tensor.");
                }
                if (!storageBytes.TryGetValue(t.Storage.Key, out var bytes))
                {
                    string entryName = root + "data/" + t.Storage.Key;
                    var entry = zip.GetEntry(entryName) ?? throw new PthFormatException($"{fileName}: '{name}': storage entry {entryName} is missing.");
                    bytes = ReadEntry(entry, fileName);
                    storageBytes[t.Storage.Key] = bytes;
                }
                result.Add(name, Materialize(fileName, name, t, bytes));
            }
            return result;
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, string fileName)
    {
        try
        {
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new PthFormatException($"{fileName}: entry {entry.FullName} is damaged: {e.Message}", e);
        }
    }

    private static PthTensor Materialize(string fileName, string name, TensorRef t, byte[] bytes)
    {
        string where = $"{fileName}: '{name}' (storage {t.Storage.Key})";
        long count = 1;
        foreach (int d in t.Size)
        {
            if (d < 0)
            {
                throw new PthFormatException($"{where}: negative dimension in shape [{string.Join(", ", t.Size)}].");
            }
            count *= d;
            if (count > MaxElements)
            {
                throw new PthFormatException($"{where}: too many elements.");
            }
        }
        if (t.Stride.Length != t.Size.Length)
        {
            throw new PthFormatException($"{where}: {t.Stride.Length} strides for {t.Size.Length} dimensions.");
        }
        long expected = 1;
        for (int d = t.Size.Length - 1; d >= 0; d--)
        {
            if (t.Size[d] != 1 && t.Stride[d] != expected)
            {
                throw new PthFormatException($"{where}: not contiguous (shape [{string.Join(", ", t.Size)}], strides [{string.Join(", ", t.Stride)}]); save tensor.contiguous().");
            }
            expected *= t.Size[d];
        }
        int size = ElementSize(t.Storage.DType);
        if (t.Offset < 0 || (t.Offset + count) * size > bytes.Length)
        {
            throw new PthFormatException($"{where}: truncated storage: elements [{t.Offset}, {t.Offset + count}) of {t.Storage.DType} need {(t.Offset + count) * size} bytes, the entry has {bytes.Length}.");
        }
        var values = new double[count];
        var span = bytes.AsSpan((int)(t.Offset * size));
        for (int i = 0; i < values.Length; i++)
        {
            var b = span.Slice(i * size, size);
            values[i] = t.Storage.DType switch
            {
                PthDType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
                PthDType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
                PthDType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(b),
                _ => BinaryPrimitives.ReadInt64LittleEndian(b),
            };
        }
        return new PthTensor(name, t.Storage.DType, t.Size, values);
    }

    private static int ElementSize(PthDType d) => d switch { PthDType.Float16 => 2, PthDType.Float32 => 4, _ => 8 };

    // ---------------------------------------------------------------- unpickling

    private sealed record StorageRef(string Key, PthDType DType);

    private sealed record TensorRef(StorageRef Storage, long Offset, int[] Size, long[] Stride);

    /// <summary>A storage class global (torch.FloatStorage, ...): the persistent id names it.</summary>
    private sealed class StorageType(PthDType? dtype, string name) : IObjectConstructor
    {
        public PthDType? DType { get; } = dtype;
        public string Name { get; } = name;
        public object construct(object[] args) => throw new PickleException($"storage class {Name} cannot be constructed directly.");
    }

    /// <summary>collections.OrderedDict: a dictionary that accepts (and ignores) the state_dict's _metadata.</summary>
    private sealed class PickledDict : Hashtable
    {
#pragma warning disable CA1707, IDE1006 // the pickle protocol's method name
        public void __setstate__(object state)
        {
            _ = state;
        }
#pragma warning restore CA1707, IDE1006
    }

    private sealed class Constructor(Func<object[], object> f) : IObjectConstructor
    {
        public object construct(object[] args) => f(args);
    }

    private sealed class TorchUnpickler : Unpickler
    {
        private static readonly (string Name, PthDType? DType)[] StorageTypes =
        [
            ("FloatStorage", PthDType.Float32), ("HalfStorage", PthDType.Float16), ("DoubleStorage", PthDType.Float64),
            ("LongStorage", PthDType.Int64), ("IntStorage", null), ("ShortStorage", null), ("CharStorage", null),
            ("ByteStorage", null), ("BoolStorage", null), ("BFloat16Storage", null),
        ];

        private readonly List<StorageRef> storages;

        public TorchUnpickler(List<StorageRef> storages)
        {
            this.storages = storages;
            registerConstructor("collections", "OrderedDict", new Constructor(_ => new PickledDict()));
            registerConstructor("torch._utils", "_rebuild_tensor_v2", new Constructor(RebuildTensor));
            registerConstructor("torch._utils", "_rebuild_parameter", new Constructor(args => args.Length > 0 && args[0] is TensorRef t
                ? t : throw new PickleException("_rebuild_parameter without a tensor")));
            foreach (var (name, dtype) in StorageTypes)
            {
                registerConstructor("torch", name, new StorageType(dtype, "torch." + name));
            }
        }

        protected override object persistentLoad(object pid)
        {
            if (pid is not object[] tuple || tuple.Length < 5 || tuple[0] is not "storage")
            {
                throw new PickleException($"unexpected persistent id {pid} (('storage', type, key, location, numel) expected).");
            }
            if (tuple[1] is not StorageType type)
            {
                throw new PickleException($"unknown storage type {tuple[1]}.");
            }
            if (type.DType is not { } dtype)
            {
                throw new PickleException($"unsupported dtype {type.Name} (float32, float16, float64 and int64 are read).");
            }
            var s = new StorageRef(Convert.ToString(tuple[2], System.Globalization.CultureInfo.InvariantCulture)!, dtype);
            storages.Add(s);
            return s;
        }

        private static object RebuildTensor(object[] args)
        {
            if (args.Length < 4 || args[0] is not StorageRef storage)
            {
                throw new PickleException("_rebuild_tensor_v2: (storage, offset, size, stride, ...) expected.");
            }
            return new TensorRef(storage, Convert.ToInt64(args[1], System.Globalization.CultureInfo.InvariantCulture),
                [.. Ints(args[2]).Select(v => checked((int)v))], Ints(args[3]));
        }

        private static long[] Ints(object o) => o is object[] a
            ? [.. a.Select(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture))]
            : throw new PickleException($"expected a tuple of integers, got {o?.GetType().Name ?? "null"}.");
    }
}
