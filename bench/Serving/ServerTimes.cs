namespace MtlOnnx.Serving.Bench;

/// <summary>
/// The server's own account of its ModelInfer calls (Triton's ModelStatistics): successful calls and the total
/// nanoseconds of the whole handler and of each step, so that a difference of two readings gives means per call.
/// </summary>
internal sealed record ServerTimes(ulong Calls, ulong RequestNs, ulong QueueNs, ulong InputNs, ulong InferNs,
    ulong OutputNs)
{
    /// <summary>Gets the mean handler time per call in µs.</summary>
    public double Request => PerCall(RequestNs);

    /// <summary>Gets the mean queue time per call in µs.</summary>
    public double Queue => PerCall(QueueNs);

    /// <summary>Gets the mean input binding time per call in µs.</summary>
    public double Input => PerCall(InputNs);

    /// <summary>Gets the mean ONNX Runtime run time per call in µs.</summary>
    public double Infer => PerCall(InferNs);

    /// <summary>Gets the mean output time per call in µs.</summary>
    public double Output => PerCall(OutputNs);

    /// <summary>Returns what happened between an earlier reading and this one.</summary>
    /// <param name="earlier">The earlier reading.</param>
    /// <returns>The difference.</returns>
    public ServerTimes Since(ServerTimes earlier) => new(Calls - earlier.Calls, RequestNs - earlier.RequestNs,
        QueueNs - earlier.QueueNs, InputNs - earlier.InputNs, InferNs - earlier.InferNs, OutputNs - earlier.OutputNs);

    private double PerCall(ulong ns) => Calls == 0 ? 0 : ns / 1000.0 / Calls;
}
