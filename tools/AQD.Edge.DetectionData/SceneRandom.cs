namespace AQD.Edge.DetectionData;

/// <summary>Small deterministic generator (SplitMix64): the same seed gives the same sequence on every
/// platform and .NET version (System.Random's seeded algorithm is not a documented guarantee).</summary>
internal struct SceneRandom
{
    private ulong _state;

    public SceneRandom(ulong seed) => _state = seed;

    /// <summary>Seed of image (seed, split, index): the three are mixed so that neighbouring indices
    /// and seeds give unrelated sequences.</summary>
    public static SceneRandom ForImage(ulong seed, int split, int index)
    {
        ulong s = Mix(seed ^ 0x5DEECE66DUL);
        s = Mix(s ^ ((ulong)(uint)split << 32) ^ (uint)index);
        return new SceneRandom(s);
    }

    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextU64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        ulong z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, n), n &gt; 0.</summary>
    public int Next(int n) => (int)((NextU64() >> 32) * (ulong)(uint)n >> 32);

    /// <summary>Uniform integer in [lo, hi] (inclusive).</summary>
    public int NextInclusive(int lo, int hi) => lo + Next(hi - lo + 1);

    /// <summary>Uniform in [0, 1), 24-bit resolution.</summary>
    public float NextFloat() => (NextU64() >> 40) * (1f / (1 << 24));

    public float NextFloat(float lo, float hi) => lo + (hi - lo) * NextFloat();
}
