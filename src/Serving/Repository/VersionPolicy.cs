using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Repository;

/// <summary>Chooses which versions of a model to serve, from those in its folder (Triton's version policy).</summary>
internal static class VersionPolicy
{
    /// <summary>Returns the versions to serve.</summary>
    /// <param name="policy">The policy of the model's configuration, or <see langword="null"/> for the newest one.</param>
    /// <param name="available">The versions present on disk.</param>
    /// <returns>The versions to serve, newest first.</returns>
    public static long[] Select(ModelVersionPolicy? policy, IReadOnlyCollection<long> available)
    {
        var newestFirst = available.OrderDescending().ToArray();
        return policy?.PolicyChoiceCase switch
        {
            ModelVersionPolicy.PolicyChoiceOneofCase.All => newestFirst,
            ModelVersionPolicy.PolicyChoiceOneofCase.Specific =>
                [.. newestFirst.Where(v => policy.Specific.Versions.Contains(v))],
            ModelVersionPolicy.PolicyChoiceOneofCase.Latest =>
                [.. newestFirst.Take((int)Math.Max(1u, policy.Latest.NumVersions))],
            _ => [.. newestFirst.Take(1)],
        };
    }
}
