namespace AQD.Edge.DetectionData;

/// <summary>Where the object glyphs come from.</summary>
public enum DigitSource
{
    /// <summary>10,000 real MNIST handwritten digits (tests/data/mnist, embedded in this library); classes "0".."9".</summary>
    Mnist,

    /// <summary>Fashion-MNIST (70,000 clothing items), read at run time from Debian's package
    /// dataset-fashion-mnist (or <see cref="DigitSceneOptions.FashionMnistDirectory"/>); 10 clothing classes.</summary>
    FashionMnist,
}
