// Nearest-neighbour 2x upsample of NHWC tensors: out[n][y][x][c] = in[n][y/2][x/2][c], output
// [N][2H][2W][C]. Pure data movement (each input pixel copied twice along a row, then the row
// copied once), so there is no SIMD twin and no variant list: this one implementation is both
// reference and production path. Any channel count; element types byte (uint8), sbyte (int8),
// short (int16) or any unmanaged type. No arithmetic, no rounding.
namespace AQD.Edge.Kernels.Resize;

/// <summary>Validated shape of one 2x nearest upsample.</summary>
public sealed class NearestUpsample2xParams
{
    public NearestUpsample2xParams(int batch, int height, int width, int channels)
    {
        static void Check(bool ok, string field, int value)
        {
            if (!ok)
            {
                throw new ArgumentException($"NearestUpsample2x: {field} = {value} must be positive.", field);
            }
        }
        Check(batch > 0, nameof(batch), batch);
        Check(height > 0, nameof(height), height);
        Check(width > 0, nameof(width), width);
        Check(channels > 0, nameof(channels), channels);
        if ((long)batch * height * width * channels * 4 > int.MaxValue)
        {
            throw new ArgumentException($"NearestUpsample2x: output of {batch}x{2L * height}x{2L * width}x{channels} exceeds 2^31 - 1 elements.", nameof(batch));
        }
        Batch = batch;
        Height = height;
        Width = width;
        Channels = channels;
    }

    public int Batch { get; }
    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }
    public int InputElements => Batch * Height * Width * Channels;
    public int OutputElements => InputElements * 4;
}

/// <summary>Nearest 2x upsample (pure copy).</summary>
public static class NearestUpsample2x
{
    public static void Run<T>(NearestUpsample2xParams p, ReadOnlySpan<T> input, Span<T> output) where T : unmanaged
    {
        if (input.Length < p.InputElements || output.Length < p.OutputElements)
        {
            throw new ArgumentException($"NearestUpsample2x: spans of {input.Length} and {output.Length} elements for {p.InputElements} -> {p.OutputElements}.");
        }
        int c = p.Channels, inRow = p.Width * c, outRow = 2 * inRow;
        for (int r = 0; r < p.Batch * p.Height; r++)
        {
            ReadOnlySpan<T> src = input.Slice(r * inRow, inRow);
            Span<T> dst = output.Slice(2 * r * outRow, outRow);
            for (int x = 0; x < p.Width; x++)
            {
                ReadOnlySpan<T> pixel = src.Slice(x * c, c);
                pixel.CopyTo(dst.Slice(2 * x * c, c));
                pixel.CopyTo(dst.Slice((2 * x + 1) * c, c));
            }
            dst.CopyTo(output.Slice((2 * r + 1) * outRow, outRow));
        }
    }
}
