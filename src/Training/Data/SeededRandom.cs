namespace MtlOnnx.Training.Data;

/// <summary>
/// A small, fast, deterministic random number generator (xoshiro256**, seeded through SplitMix64). The same seed
/// gives the same sequence on every platform and .NET version, which <see cref="Random"/> does not promise.
/// </summary>
/// <remarks>Not thread-safe: give each thread its own instance, derived with <see cref="Derive(ulong, ulong, ulong)"/>.</remarks>
public sealed class SeededRandom
{
    /// <summary>The number of words <see cref="WriteState"/> writes: the generator's four, then the spare normal.</summary>
    public const int StateLength = 6;

    private readonly ulong _seed;
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double? _spareNormal;

    /// <summary>Initializes a generator from a seed.</summary>
    /// <param name="seed">The seed; every value, zero included, is valid.</param>
    public SeededRandom(ulong seed)
    {
        _seed = seed;
        Reset();
    }

    /// <summary>Restarts the sequence from the seed the generator was created with.</summary>
    public void Reset()
    {
        var x = _seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _spareNormal = null;
    }

    /// <summary>Writes the position in the sequence, so that <see cref="RestoreState"/> can continue from it.</summary>
    /// <param name="destination">The <see cref="StateLength"/> words to write.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="destination"/> does not hold <see cref="StateLength"/> words.
    /// </exception>
    public void WriteState(Span<ulong> destination)
    {
        if (destination.Length != StateLength)
        {
            throw new ArgumentException(
                $"The state of a SeededRandom is {StateLength} words; the destination holds {destination.Length}.",
                nameof(destination));
        }

        destination[0] = _s0;
        destination[1] = _s1;
        destination[2] = _s2;
        destination[3] = _s3;
        destination[4] = _spareNormal.HasValue ? 1UL : 0UL;
        destination[5] = _spareNormal is { } spare ? (ulong)BitConverter.DoubleToInt64Bits(spare) : 0UL;
    }

    /// <summary>Continues the sequence from a position <see cref="WriteState"/> wrote.</summary>
    /// <param name="state">The <see cref="StateLength"/> words.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="state"/> does not hold <see cref="StateLength"/> words, or its generator words are all zero
    /// (a state no generator reaches).
    /// </exception>
    public void RestoreState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != StateLength)
        {
            throw new ArgumentException(
                $"The state of a SeededRandom is {StateLength} words; {state.Length} were given.", nameof(state));
        }

        if ((state[0] | state[1] | state[2] | state[3]) == 0)
        {
            throw new ArgumentException("The generator words of the state are all zero, which no generator reaches.",
                nameof(state));
        }

        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
        _spareNormal = state[4] != 0 ? BitConverter.Int64BitsToDouble((long)state[5]) : null;
    }

    /// <summary>Creates a generator for one stream of a seed, for example one sample of one epoch.</summary>
    /// <param name="seed">The job seed.</param>
    /// <param name="stream">The stream, for example a purpose code.</param>
    /// <param name="index">The index within the stream, for example a sample index.</param>
    /// <returns>A generator whose sequence depends only on the three numbers.</returns>
    public static SeededRandom Derive(ulong seed, ulong stream, ulong index = 0) => new(Mix(seed, stream, index));

    /// <summary>Mixes three numbers into one well-spread 64-bit value.</summary>
    /// <param name="a">The first number.</param>
    /// <param name="b">The second number.</param>
    /// <param name="c">The third number.</param>
    /// <returns>The mixed value.</returns>
    public static ulong Mix(ulong a, ulong b, ulong c)
    {
        var x = a;
        var h = SplitMix(ref x);
        x = h ^ (b * 0x9E3779B97F4A7C15UL);
        h = SplitMix(ref x);
        x = h ^ (c * 0xC2B2AE3D27D4EB4FUL);
        return SplitMix(ref x);
    }

    /// <summary>Returns the next 64 random bits.</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Returns a double uniformly distributed in [0, 1).</summary>
    /// <returns>The value.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Returns a double uniformly distributed in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    /// <param name="min">The inclusive lower bound.</param>
    /// <param name="max">The exclusive upper bound.</param>
    /// <returns>The value.</returns>
    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>Returns an integer uniformly distributed in [0, <paramref name="count"/>).</summary>
    /// <param name="count">The number of possible values; positive.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);

        // Rejection keeps the result unbiased for counts that do not divide 2^64.
        var bound = (ulong)count;
        var limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value >= limit);

        return (int)(value % bound);
    }

    /// <summary>Returns a standard normal value (Box-Muller).</summary>
    /// <returns>The value.</returns>
    public double Normal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }

        double u;
        do
        {
            u = NextDouble();
        }
        while (u <= double.Epsilon);

        var v = NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u));
        _spareNormal = radius * Math.Sin(2 * Math.PI * v);
        return radius * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>Shuffles a span in place (Fisher-Yates).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The values.</param>
    public void Shuffle<T>(Span<T> values)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>Returns a random permutation of 0 .. <paramref name="count"/> - 1.</summary>
    /// <param name="count">The number of elements.</param>
    /// <returns>The permutation.</returns>
    public int[] Permutation(int count)
    {
        var result = new int[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = i;
        }

        Shuffle(result.AsSpan());
        return result;
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
