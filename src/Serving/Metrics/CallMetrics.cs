using System.Collections.Concurrent;
using Grpc.Core;

namespace MtlOnnx.Serving.Metrics;

/// <summary>Counts every gRPC call by method and status code, including those refused before reaching a model.</summary>
internal sealed class CallMetrics
{
    private readonly ConcurrentDictionary<(string Method, StatusCode Code), StrongBox> _calls = new();

    /// <summary>Records a finished call.</summary>
    /// <param name="method">The full method name.</param>
    /// <param name="code">The status it ended with.</param>
    public void Record(string method, StatusCode code) =>
        Interlocked.Increment(ref _calls.GetOrAdd((method, code), static _ => new StrongBox()).Value);

    /// <summary>Returns the counts.</summary>
    /// <returns>Method, code and count of each.</returns>
    public IEnumerable<(string Method, StatusCode Code, long Count)> Snapshot() =>
        _calls.Select(p => (p.Key.Method, p.Key.Code, Interlocked.Read(ref p.Value.Value)));

    private sealed class StrongBox
    {
        public long Value;
    }
}
