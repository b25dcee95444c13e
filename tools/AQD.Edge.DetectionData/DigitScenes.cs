namespace AQD.Edge.DetectionData;

/// <summary>Detection scenes: real MNIST digits (or Fashion-MNIST items) composited onto crops of real
/// photos, 1-8 objects per image, tight exact boxes. Image (Seed, split, index) is a pure function of
/// those three values and the options: generating it again, in any order or thread, gives the same bytes.
/// Splits "train", "val", "test" use disjoint glyph pools (per class, 80/10/10) and disjoint photo regions
/// (<see cref="BackgroundPool"/>).</summary>
public static class DigitScenes
{
    internal static readonly string[] SplitNames = ["train", "val", "test"];

    private static readonly string[] MnistLabels = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    private static readonly string[] FashionLabels =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Class names of a source, in class-id order.</summary>
    public static IReadOnlyList<string> Labels(DigitSource source) => source switch
    {
        DigitSource.Mnist => MnistLabels,
        DigitSource.FashionMnist => FashionLabels,
        _ => throw new ArgumentException($"DigitScenes.Labels: unknown source {(int)source}"),
    };

    /// <summary>Split name → 0 (train), 1 (val), 2 (test); anything else throws.</summary>
    public static int SplitIndex(string split) => split switch
    {
        "train" => 0,
        "val" => 1,
        "test" => 2,
        _ => throw new ArgumentException($"DigitScenes: unknown split \"{split}\" (expected train, val or test)"),
    };

    /// <summary>Image <paramref name="index"/> (&gt;= 0) of <paramref name="split"/>; its ImageId is the index.</summary>
    public static DetectionSample Generate(DigitSceneOptions o, string split, int index)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        int s = SplitIndex(split);
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "DigitScenes.Generate: index must be >= 0");
        return SceneComposer.Compose(o, GlyphPool.Get(o), BackgroundPool.Get(o.ExtraBackgroundDirectory), s, index);
    }

    /// <summary>Images 0..count-1 of a split (generated in parallel; same result as calling
    /// <see cref="Generate"/> for each index).</summary>
    public static IReadOnlyList<DetectionSample> Split(DigitSceneOptions o, string split, int count)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        int s = SplitIndex(split);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "DigitScenes.Split: count must be >= 0");
        var glyphs = GlyphPool.Get(o);
        var backgrounds = BackgroundPool.Get(o.ExtraBackgroundDirectory);
        var result = new DetectionSample[count];
        Parallel.For(0, count, i => result[i] = SceneComposer.Compose(o, glyphs, backgrounds, s, i));
        return result;
    }
}
