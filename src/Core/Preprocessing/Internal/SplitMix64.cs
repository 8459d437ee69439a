namespace MtlOnnx.Preprocessing.Internal;

/// <summary>
/// A small, fast generator whose sequence is fixed by its seed on every platform and .NET version, unlike
/// <see cref="Random"/>'s unseeded algorithm; augmentation must replay exactly when training resumes.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed)
    {
        _state = seed;
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Returns a double in [0, 1) from the top 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double NextDouble(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>Returns an integer in [0, exclusiveMax).</summary>
    public int NextInt(int exclusiveMax) => exclusiveMax <= 1 ? 0 : (int)(NextUInt64() % (ulong)exclusiveMax);
}
