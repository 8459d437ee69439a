using MtlOnnx.Training.Data;

namespace MtlOnnx.Training.Multitask.Internal;

/// <summary>Keeps a method's <see cref="SeededRandom"/> in its <see cref="MethodState"/>.</summary>
internal static class RandomState
{
    /// <summary>Writes the position of the stream as a field of 64-bit integers.</summary>
    public static void Save(MethodState state, string field, SeededRandom random)
    {
        Span<ulong> words = stackalloc ulong[SeededRandom.StateLength];
        random.WriteState(words);
        Span<long> values = stackalloc long[SeededRandom.StateLength];
        for (var i = 0; i < words.Length; i++)
        {
            values[i] = (long)words[i];
        }

        state.SetInt64s(field, values);
    }

    /// <summary>Continues the stream from the position <see cref="Save"/> wrote.</summary>
    /// <exception cref="MethodStateException">The field is missing, has another length, or is all zero.</exception>
    public static void Load(MethodState state, string field, SeededRandom random)
    {
        Span<long> values = stackalloc long[SeededRandom.StateLength];
        state.ReadInt64s(field, values);
        Span<ulong> words = stackalloc ulong[SeededRandom.StateLength];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = (ulong)values[i];
        }

        try
        {
            random.RestoreState(words);
        }
        catch (ArgumentException error)
        {
            throw new MethodStateException(
                $"The saved state of method '{state.Method}' has a random stream in field '{field}' that cannot be " +
                $"restored: {error.Message}", error);
        }
    }
}
