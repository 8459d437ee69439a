namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>
/// A small xoshiro256** generator seeded through SplitMix64: the same seed gives the same stream on every platform
/// and runtime version, which the methods' reproducibility relies on.
/// </summary>
internal sealed class SeededRandom
{
    private readonly ulong _seed;
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double? _spareGaussian;

    public SeededRandom(ulong seed)
    {
        _seed = seed;
        Reset();
    }

    /// <summary>Restarts the stream from the seed.</summary>
    public void Reset()
    {
        ulong x = _seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _spareGaussian = null;
    }

    /// <summary>Writes the position of the stream (the generator's words and any spare normal variate).</summary>
    public void Save(MethodState state, string field)
    {
        long spare = _spareGaussian is double value ? BitConverter.DoubleToInt64Bits(value) : 0;
        state.SetInt64s(field, [(long)_s0, (long)_s1, (long)_s2, (long)_s3, _spareGaussian.HasValue ? 1 : 0, spare]);
    }

    /// <summary>Continues the stream from a position <see cref="Save"/> wrote.</summary>
    public void Load(MethodState state, string field)
    {
        Span<long> words = stackalloc long[6];
        state.ReadInt64s(field, words);
        if (words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0)
        {
            throw new MethodStateException(
                $"The saved state of method '{state.Method}' has an all-zero random stream in field '{field}', " +
                "which no generator reaches; the state is damaged.");
        }

        (_s0, _s1, _s2, _s3) = ((ulong)words[0], (ulong)words[1], (ulong)words[2], (ulong)words[3]);
        _spareGaussian = words[4] != 0 ? BitConverter.Int64BitsToDouble(words[5]) : null;
    }

    /// <summary>Returns a uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Returns a uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    /// <summary>Returns a standard normal variate (Marsaglia's polar method).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is double spare)
        {
            _spareGaussian = null;
            return spare;
        }

        double u;
        double v;
        double s;
        do
        {
            u = (2 * NextDouble()) - 1;
            v = (2 * NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);

        double factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * factor;
        return u * factor;
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        ulong z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
