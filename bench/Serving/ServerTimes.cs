using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// The server's own account of its ModelInfer calls (Triton's ModelStatistics): successful calls and the total
/// nanoseconds of the whole handler and of each step, so that a difference of two readings gives means per call.
/// </summary>
internal sealed record ServerTimes(ulong Calls, ulong RequestNs, ulong QueueNs, ulong InputNs, ulong InferNs,
    ulong OutputNs)
{
    /// <summary>Reads a model's statistics from a server: its only version's, or the one that served calls.</summary>
    /// <param name="client">The server's inference client.</param>
    /// <param name="model">The model's name.</param>
    public static async Task<ServerTimes> ReadAsync(GRPCInferenceService.GRPCInferenceServiceClient client, string model)
    {
        var response = await client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = model });
        var stats = response.ModelStats.Single(s => s.InferenceStats.Success.Count > 0 || response.ModelStats.Count == 1)
            .InferenceStats;
        return new ServerTimes(stats.Success.Count, stats.Success.Ns, stats.Queue.Ns, stats.ComputeInput.Ns,
            stats.ComputeInfer.Ns, stats.ComputeOutput.Ns);
    }

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
