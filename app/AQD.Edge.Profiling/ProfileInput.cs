using AQD.Edge.Engine;
using AQD.Edge.Model.Metadata;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AQD.Edge.Profiling;

/// <summary>
/// Fills an engine's inputs for profiling. Integer kernels take the same time whatever the data, so
/// the default is seeded pseudo-random bytes; <see cref="FromImage"/> writes an image's pixels
/// stretched to the input size in the model's colour order (RGB, BGR or GRAY = the G channel), as
/// raw levels: a realistic input for looking at the outputs, not the detector's exact preprocessing.
/// </summary>
public static class ProfileInput
{
    public static void Random(InferenceEngine engine, int seed)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var random = new Random(seed);
        for (int i = 0; i < engine.InputCount; i++)
        {
            random.NextBytes(engine.Input(i));
        }
    }

    /// <exception cref="ArgumentException">The model input is not an interleaved 8-bit 1- or 3-channel image of the metadata's size.</exception>
    public static void FromImage(InferenceEngine engine, ModelMetadata metadata, string path)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(metadata);
        int w = metadata.Input.Width, h = metadata.Input.Height, c = metadata.Input.Channels;
        var input = engine.Input(0);
        if (c is not (1 or 3) || input.Length != w * h * c)
        {
            throw new ArgumentException($"--image: the model input is {input.Length} bytes, not a {w}x{h}x{c} 8-bit image.");
        }
        using var image = SixLabors.ImageSharp.Image.Load<Rgb24>(path);
        image.Mutate(x => x.Resize(w, h));
        bool bgr = string.Equals(metadata.Preprocessing.ColorOrder, "BGR", StringComparison.OrdinalIgnoreCase);
        var pixels = new Rgb24[w * h];
        image.CopyPixelDataTo(pixels);
        for (int i = 0; i < pixels.Length; i++)
        {
            var p = pixels[i];
            int o = i * c;
            if (c == 1)
            {
                input[o] = p.G;
            }
            else
            {
                input[o] = bgr ? p.B : p.R;
                input[o + 1] = p.G;
                input[o + 2] = bgr ? p.R : p.B;
            }
        }
    }
}
