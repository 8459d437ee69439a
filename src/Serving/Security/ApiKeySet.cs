using System.Security.Cryptography;
using System.Text;

namespace MtlOnnx.Serving.Security;

/// <summary>A set of API keys, held as SHA-256 digests and compared in constant time.</summary>
internal sealed class ApiKeySet
{
    private readonly byte[][] _digests;

    /// <summary>Initializes the set.</summary>
    /// <param name="keys">The keys.</param>
    public ApiKeySet(IEnumerable<string> keys)
    {
        _digests = [.. keys.Where(k => k.Length > 0).Select(Digest)];
    }

    /// <summary>Gets whether the set has no keys (the policy is open).</summary>
    public bool IsEmpty => _digests.Length == 0;

    /// <summary>Returns whether a key is in the set.</summary>
    /// <param name="key">The key a caller sent.</param>
    /// <returns><see langword="true"/> when it matches one of the keys.</returns>
    public bool Contains(string key)
    {
        var digest = Digest(key);
        var found = false;

        // Every key is compared, so the time taken says nothing about which one matched.
        foreach (var candidate in _digests)
        {
            found |= CryptographicOperations.FixedTimeEquals(candidate, digest);
        }

        return found;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
