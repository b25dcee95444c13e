using AQD.Edge.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using DT = AQD.Edge.Onnx.Protobuf.TensorProto.Types.DataType;

namespace AQD.Edge.Onnx.Import;

/// <summary>How calibration turns observed values into a range.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum.</summary>
    MinMax,

    /// <summary>The observed range clipped to the given percentile of |x| (histogram of 4096 bins).</summary>
    Percentile,

    /// <summary>
    /// The observed range clipped to the |x| threshold t minimizing the quantization mean squared error
    /// over the histogram: values above t cost (v - t)^2, values below cost their rounding error on the
    /// grid of step (min(max, t) - max(min, -t)) / levels anchored at 0 (the zero point is exact).
    /// </summary>
    Mse,
}

/// <summary>A real range [Min, Max] of a tensor.</summary>
public readonly record struct TensorRange(float Min, float Max);

/// <summary>
/// Network input normalization from 8-bit pixels p: x_c = (p - Mean[c]) / Std[c] (Mean and Std in
/// 8-bit levels, as the metadata's meanMilli/stdMilli). The blob input is x quantized per tensor to
/// uint8 with <see cref="Scale"/> and <see cref="ZeroPoint"/> covering every channel's range; with
/// equal channels (e.g. the default mean 0, std 1) the quantized input is the pixel itself.
/// With <see cref="Bgr"/> the network (and the blob input) takes its 3 channels in B, G, R order:
/// pixels still arrive RGB, channel c of x reads pixel channel 2 - c, and Mean/Std are in network (BGR)
/// order (CNTK / Caffe exports such as ML.NET's ResNet-18).
/// </summary>
public sealed class InputNormalization
{
    public InputNormalization(float[] mean, float[] std, bool bgr = false)
    {
        if (bgr && mean.Length != 3)
        {
            throw new ArgumentException($"BGR channel order needs 3 channels, not {mean.Length}.");
        }
        Bgr = bgr;
        if (mean.Length != std.Length || mean.Length == 0)
        {
            throw new ArgumentException($"--mean has {mean.Length} values and --std {std.Length}; one per channel expected.");
        }
        if (std.Any(s => !(s > 0) || float.IsInfinity(s)) || mean.Any(m => !(m >= 0 && m <= 255)))
        {
            throw new ArgumentException("--std values must be positive and --mean values in [0, 255] (8-bit levels).");
        }
        Mean = mean;
        Std = std;
        double lo = 0, hi = 0;
        for (int c = 0; c < mean.Length; c++)
        {
            lo = Math.Min(lo, -mean[c] / (double)std[c]);
            hi = Math.Max(hi, (255 - mean[c]) / (double)std[c]);
        }
        Scale = (float)((hi - lo) / 255);
        ZeroPoint = (int)Math.Clamp(Math.Round(-lo / Scale), 0, 255);
    }

    public float[] Mean { get; }

    public float[] Std { get; }

    /// <summary>The network takes B, G, R (channels reversed relative to the RGB pixels).</summary>
    public bool Bgr { get; }

    /// <summary>The metadata's color order: "GRAY", "RGB" or "BGR".</summary>
    public string ColorOrder => Mean.Length == 1 ? "GRAY" : Bgr ? "BGR" : "RGB";

    /// <summary>Pixel channel feeding network channel <paramref name="k"/> of <paramref name="c"/>.</summary>
    private int Source(int k, int c) => Bgr ? c - 1 - k : k;

    public float Scale { get; }

    public int ZeroPoint { get; }

    /// <summary>
    /// This normalization followed by x' = scale[c] x + offset[c] (a model's in-graph Sub / Mul
    /// normalization): mean' = mean - offset std / scale, std' = std / scale (scale must be positive).
    /// </summary>
    public InputNormalization Then(float[] scale, float[] offset)
    {
        if (scale.Length != Mean.Length || offset.Length != Mean.Length || scale.Any(v => !(v > 0)))
        {
            throw new ArgumentException($"the in-graph input normalization must have one positive scale per channel ({Mean.Length}); got scales [{string.Join(", ", scale)}].");
        }
        return new InputNormalization([.. Mean.Select((m, c) => (float)(m - offset[c] * (double)Std[c] / scale[c]))],
            [.. Std.Select((d, c) => (float)(d / (double)scale[c]))], Bgr);
    }

    public static InputNormalization Identity(int channels)
        => new([.. Enumerable.Repeat(0f, channels)], [.. Enumerable.Repeat(1f, channels)]);

    /// <summary>The float NCHW network input of HWC pixels.</summary>
    public float[] ToFloatNchw(ReadOnlySpan<byte> hwc, int height, int width)
    {
        int c = Mean.Length;
        var x = new float[hwc.Length];
        for (int i = 0; i < height * width; i++)
        {
            for (int k = 0; k < c; k++)
            {
                x[k * height * width + i] = (hwc[i * c + Source(k, c)] - Mean[k]) / Std[k];
            }
        }
        return x;
    }

    /// <summary>The blob's quantized HWC input (network channel order) of HWC RGB pixels (what the device's preprocessing computes).</summary>
    public byte[] Quantize(ReadOnlySpan<byte> hwc)
    {
        int c = Mean.Length;
        var q = new byte[hwc.Length];
        for (int i = 0; i < q.Length; i++)
        {
            int k = i % c;
            double x = (hwc[i - k + Source(k, c)] - Mean[k]) / (double)Std[k];
            q[i] = (byte)Math.Clamp(Math.Round(x / Scale, MidpointRounding.ToEven) + ZeroPoint, 0, 255);
        }
        return q;
    }
}

/// <summary>Calibration photos: listing a folder, decoding with ImageSharp, stretching (bilinear, half-pixel) to the model input.</summary>
public static class CalibrationImages
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"];

    public static IReadOnlyList<string> List(string folder, int? limit = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"calibration folder '{folder}' does not exist.");
        }
        var files = Directory.EnumerateFiles(folder).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).Take(limit ?? int.MaxValue).ToList();
        return files.Count > 0 ? files : throw new FileNotFoundException($"calibration folder '{folder}' holds no images ({string.Join(", ", Extensions)}).");
    }

    /// <summary>
    /// HWC pixels (RGB for 3 channels, luminance for 1) of the image stretched to width x height with
    /// 2-tap bilinear interpolation, half-pixel centres, no antialiasing (cv2.resize INTER_LINEAR, TF
    /// half_pixel_centers; the device's integer preprocessing uses the same rule): for output row y,
    /// sy = max(0, (y + 0.5) H / height - 0.5), rows floor(sy) and the next one (clamped), weights by the
    /// fraction; the same for columns; rounded to the nearest level.
    /// </summary>
    public static byte[] LoadHwc(string path, int width, int height, int channels)
    {
        byte[] src;
        int w, h;
        if (channels == 3)
        {
            using var image = Image.Load<Rgb24>(path);
            (w, h) = (image.Width, image.Height);
            src = new byte[w * h * 3];
            image.CopyPixelDataTo(src);
        }
        else if (channels == 1)
        {
            using var image = Image.Load<L8>(path);
            (w, h) = (image.Width, image.Height);
            src = new byte[w * h];
            image.CopyPixelDataTo(src);
        }
        else
        {
            throw new ArgumentException($"image inputs have 1 or 3 channels, the model has {channels}.");
        }
        return StretchBilinear(src, w, h, channels, width, height);
    }

    /// <summary>The half-pixel 2-tap bilinear stretch of <see cref="LoadHwc"/> on HWC bytes.</summary>
    public static byte[] StretchBilinear(ReadOnlySpan<byte> src, int w, int h, int c, int width, int height)
    {
        static (int I0, int I1, double F)[] Taps(int inSize, int outSize)
        {
            var taps = new (int, int, double)[outSize];
            for (int d = 0; d < outSize; d++)
            {
                double s = Math.Max(0, (d + 0.5) * inSize / outSize - 0.5);
                int i0 = Math.Min((int)Math.Floor(s), inSize - 1);
                taps[d] = (i0, Math.Min(i0 + 1, inSize - 1), s - i0);
            }
            return taps;
        }
        var ty = Taps(h, height);
        var tx = Taps(w, width);
        var dst = new byte[width * height * c];
        for (int y = 0; y < height; y++)
        {
            var (y0, y1, fy) = ty[y];
            for (int x = 0; x < width; x++)
            {
                var (x0, x1, fx) = tx[x];
                for (int k = 0; k < c; k++)
                {
                    double top = src[(y0 * w + x0) * c + k] * (1 - fx) + src[(y0 * w + x1) * c + k] * fx;
                    double bottom = src[(y1 * w + x0) * c + k] * (1 - fx) + src[(y1 * w + x1) * c + k] * fx;
                    dst[(y * width + x) * c + k] = (byte)Math.Clamp(Math.Round(top * (1 - fy) + bottom * fy), 0, 255);
                }
            }
        }
        return dst;
    }
}

/// <summary>
/// Runs the float model with ONNX Runtime, every observed tensor exposed as a graph output, and
/// collects per-tensor <see cref="TensorStatistics"/>.
/// </summary>
public static class Calibrator
{
    public static Dictionary<string, TensorRange> Run(FloatOnnxGraph graph, IReadOnlyList<string> images, InputNormalization norm,
        CalibrationMethod method, double percentile = 99.99, Action<int, int, string>? progress = null)
        => Collect(graph, images, norm, progress).ToDictionary(kv => kv.Key, kv => kv.Value.Range(method, percentile));

    /// <summary>Runs the model on the photos and returns every observed tensor's statistics (min, max, |x| histogram).</summary>
    public static Dictionary<string, TensorStatistics> Collect(FloatOnnxGraph graph, IReadOnlyList<string> images, InputNormalization norm,
        Action<int, int, string>? progress = null)
    {
        var (c, h, w) = InputShape(graph);
        if (norm.Mean.Length != c)
        {
            throw new OnnxImportException($"--mean/--std give {norm.Mean.Length} channels, the model input has {c}.");
        }
        var observed = graph.ObservedTensors.Distinct().ToList();
        var model = graph.Model.Clone();
        model.Graph.Output.Clear();
        foreach (var name in observed)
        {
            model.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DT.Float } } });
        }
        var stats = observed.ToDictionary(n => n, _ => new TensorStatistics());
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var runOptions = new RunOptions();
        string inputName = graph.Input.Name;
        for (int i = 0; i < images.Count; i++)
        {
            progress?.Invoke(i + 1, images.Count, Path.GetFileName(images[i]));
            var x = norm.ToFloatNchw(CalibrationImages.LoadHwc(images[i], w, h, c), h, w);
            using var input = OrtValue.CreateTensorValueFromMemory(x, [1, c, h, w]);
            using var results = session.Run(runOptions, [inputName], [input], observed);
            for (int k = 0; k < observed.Count; k++)
            {
                var shape = results[k].GetTensorTypeAndShape().Shape;
                stats[observed[k]].Add(results[k].GetTensorDataAsSpan<float>(), shape.Length == 4 ? (int)shape[1] : 1);
            }
        }
        return stats;
    }

    /// <summary>(C, H, W) of the graph input [1, C, H, W].</summary>
    public static (int C, int H, int W) InputShape(FloatOnnxGraph graph)
    {
        var dims = graph.Input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 4 || dims.Skip(1).Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue))
        {
            throw new OnnxImportException($"graph input '{graph.Input.Name}' must have a fixed shape [1, C, H, W] (batch may be symbolic).");
        }
        return ((int)dims[1].DimValue, (int)dims[2].DimValue, (int)dims[3].DimValue);
    }
}

/// <summary>
/// One tensor's calibration statistics: min, max and a histogram of |x| over 4096 bins (the bins
/// double their width when a larger value arrives, so one pass suffices).
/// </summary>
public sealed class TensorStatistics
{
    private const int Bins = 4096;

    /// <summary>Candidate thresholds of the MSE search: every this many bins (plus max |x|).</summary>
    private const int MseStride = 8;

    private readonly long[] histogram = new long[Bins];
    private float min = float.PositiveInfinity, max = float.NegativeInfinity;
    private double top;   // histogram covers |x| in [0, top)
    private long count;

    private double[] channelSums = [];
    private double[] channelSquares = [];
    private long channelCount;

    /// <summary>Adds observed values: <paramref name="channels"/> planes of equal size (NCHW with N = 1; 1 for a flat run).</summary>
    public void Add(ReadOnlySpan<float> values, int channels = 1)
    {
        if (channels < 1 || values.Length % channels != 0 || (channelSums.Length != 0 && channelSums.Length != channels))
        {
            throw new ArgumentException($"{values.Length} values do not form {channels} planes (earlier batches had {channelSums.Length}).");
        }
        if (channelSums.Length == 0)
        {
            channelSums = new double[channels];
            channelSquares = new double[channels];
        }
        int plane = values.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            foreach (float v in values.Slice(c * plane, plane)) { sum += v; }
            channelSums[c] += sum;
            double squares = 0;
            foreach (float v in values.Slice(c * plane, plane)) { squares += (double)v * v; }
            channelSquares[c] += squares;
        }
        channelCount += plane;
        float localMax = 0;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            localMax = Math.Max(localMax, Math.Abs(v));
        }
        if (top == 0)
        {
            top = localMax > 0 ? localMax * 1.0000001 : 1e-30;
        }
        while (localMax >= top)
        {
            for (int i = 0; i < Bins / 2; i++) { histogram[i] = histogram[2 * i] + histogram[2 * i + 1]; }
            Array.Clear(histogram, Bins / 2, Bins / 2);
            top *= 2;
        }
        foreach (float v in values)
        {
            histogram[Math.Min(Bins - 1, (int)(Math.Abs(v) / top * Bins))]++;
        }
        count += values.Length;
    }

    public float Min => min;

    public float Max => max;

    public long Count => count;

    /// <summary>Mean of each channel over every observed pixel (empty before the first <see cref="Add"/>).</summary>
    public double[] ChannelMeans => [.. channelSums.Select(s => channelCount > 0 ? s / channelCount : 0)];

    /// <summary>Mean of x^2 of each channel over every observed pixel.</summary>
    public double[] ChannelMeanSquares => [.. channelSquares.Select(s => channelCount > 0 ? s / channelCount : 0)];

    /// <summary>The range <paramref name="method"/> chooses; <paramref name="levels"/> (steps of the grid, 255 for 8 bits, 2^b - 1 for b bits) matters for MSE only.</summary>
    public TensorRange Range(CalibrationMethod method, double percentile = 99.99, int levels = 255)
    {
        if (count == 0)
        {
            return new TensorRange(0, 0);
        }
        if (method == CalibrationMethod.MinMax)
        {
            return new TensorRange(min, max);
        }
        if (method == CalibrationMethod.Mse)
        {
            float best = MseThreshold(levels);
            return new TensorRange(Math.Max(min, -best), Math.Min(max, best));
        }
        long need = (long)Math.Ceiling(count * percentile / 100), seen = 0;
        int bin = 0;
        for (; bin < Bins - 1 && seen + histogram[bin] < need; bin++) { seen += histogram[bin]; }
        float t = (float)((bin + 1) * top / Bins);
        return new TensorRange(Math.Max(min, -t), Math.Min(max, t));
    }

    /// <summary>The |x| threshold with the least quantization MSE over the histogram (bin centres stand for their values).</summary>
    public float MseThreshold(int levels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        double maxAbs = Math.Max(Math.Abs((double)min), Math.Abs((double)max));
        if (count == 0 || maxAbs == 0)
        {
            return 0;
        }
        double binWidth = top / Bins, bestT = maxAbs, bestErr = double.PositiveInfinity;
        int lastBin = Math.Min(Bins - 1, (int)(maxAbs / top * Bins));
        for (int k = MseStride - 1; k <= lastBin + MseStride; k += MseStride)
        {
            double t = Math.Min(maxAbs, (k + 1) * binWidth);
            double lo = Math.Max(min, -t), hi = Math.Min(max, t);
            double step = (hi - lo) / levels;
            if (!(step > 0))
            {
                continue;
            }
            double err = 0;
            for (int b = 0; b <= lastBin; b++)
            {
                if (histogram[b] == 0)
                {
                    continue;
                }
                double v = (b + 0.5) * binWidth;
                double e = v > t ? v - t : v - step * Math.Round(v / step);
                err += histogram[b] * e * e;
            }
            if (err < bestErr)
            {
                bestErr = err;
                bestT = t;
            }
        }
        return (float)bestT;
    }
}
