// Pixel-to-input quantization of the preprocessing (scalar: a table gather, nothing to vectorize
// profitably on 3-channel pixels). Layout: `pixels` interleaved HWC 8-bit pixels with C channels
// (RGB order for 3), `input` the same count in the network's channel order:
//   input[i * C + k] = tables[k][pixels[i * C + source[k]]]
// (source reorders RGB -> BGR; the tables fold mean / std / input scale and zero point, built at
// pack time). No arithmetic, no rounding.
namespace AQD.Edge.Kernels.Detection;

/// <summary>Channel reorder + per-channel 256-entry byte table.</summary>
public sealed class InputQuantize
{
    private readonly byte[] table;   // C x 256
    private readonly int[] source;

    public InputQuantize(int[] source, int[][] tables)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tables);
        if (source.Length is not (1 or 3) || tables.Length != source.Length)
        {
            throw new ArgumentException($"InputQuantize: {source.Length} channels and {tables.Length} tables (1 or 3 channels, one table each).");
        }
        Channels = source.Length;
        this.source = (int[])source.Clone();
        table = new byte[Channels * 256];
        for (int k = 0; k < Channels; k++)
        {
            if (source[k] < 0 || source[k] >= Channels || tables[k].Length != 256 || tables[k].Any(v => v is < 0 or > 255))
            {
                throw new ArgumentException($"InputQuantize: channel {k}: source {source[k]} or its table (256 values 0..255) is invalid.");
            }
            for (int v = 0; v < 256; v++)
            {
                table[k * 256 + v] = (byte)tables[k][v];
            }
        }
        IsIdentity = Enumerable.Range(0, Channels).All(k => this.source[k] == k && Enumerable.Range(0, 256).All(v => table[k * 256 + v] == v));
    }

    public int Channels { get; }

    /// <summary>Whether Run is a plain copy.</summary>
    public bool IsIdentity { get; }

    public void Run(ReadOnlySpan<byte> pixels, Span<byte> input)
    {
        if (input.Length < pixels.Length || pixels.Length % Channels != 0)
        {
            throw new ArgumentException($"InputQuantize: {pixels.Length} pixel bytes ({Channels} channels) into {input.Length} input bytes.");
        }
        if (IsIdentity)
        {
            pixels.CopyTo(input);
            return;
        }
        ReadOnlySpan<byte> t = table;
        if (Channels == 3)
        {
            int s0 = source[0], s1 = source[1], s2 = source[2];
            for (int i = 0; i + 2 < pixels.Length; i += 3)
            {
                byte a = pixels[i + s0], b = pixels[i + s1], c = pixels[i + s2];
                input[i] = t[a];
                input[i + 1] = t[256 + b];
                input[i + 2] = t[512 + c];
            }
            return;
        }
        for (int i = 0; i < pixels.Length; i++)
        {
            input[i] = t[pixels[i]];
        }
    }
}
