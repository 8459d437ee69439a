using System.Globalization;
using MtlOnnx.Serving.Protocol;

namespace MtlOnnx.Serving.Bench;

/// <summary>
/// The server's own account of its calls to one model (Triton's ModelStatistics, plus MtlOnnx's decode and encode
/// counters from /metrics): successful calls and the total nanoseconds of the whole handler and of each step, so
/// that a difference of two readings gives means per call.
/// </summary>
internal sealed record ServerTimes(ulong Calls, ulong RequestNs, ulong QueueNs, ulong InputNs, ulong InferNs,
    ulong OutputNs, double DecodeNs, double EncodeNs)
{
    /// <summary>Reads a model's statistics from a server: its only version's, or the one that served calls.</summary>
    /// <param name="client">The server's inference client.</param>
    /// <param name="model">The model's name.</param>
    /// <param name="server">The server process, whose /metrics carry the decode and encode times; optional.</param>
    public static async Task<ServerTimes> ReadAsync(GRPCInferenceService.GRPCInferenceServiceClient client, string model,
        ServerProcess? server = null)
    {
        var response = await client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = model });
        var stats = response.ModelStats.Single(s => s.InferenceStats.Success.Count > 0 || response.ModelStats.Count == 1)
            .InferenceStats;
        var decode = server is null ? 0 : await server.MetricAsync("mtlonnx_inference_decode_duration_us") * 1000;
        var encode = server is null ? 0 : await server.MetricAsync("mtlonnx_inference_encode_duration_us") * 1000;
        return new ServerTimes(stats.Success.Count, stats.Success.Ns, stats.Queue.Ns, stats.ComputeInput.Ns,
            stats.ComputeInfer.Ns, stats.ComputeOutput.Ns, decode, encode);
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

    /// <summary>Gets the mean request decoding time per call in µs.</summary>
    public double Decode => PerCall(DecodeNs);

    /// <summary>Gets the mean response encoding time per call in µs.</summary>
    public double Encode => PerCall(EncodeNs);

    /// <summary>Returns what happened between an earlier reading and this one.</summary>
    /// <param name="earlier">The earlier reading.</param>
    /// <returns>The difference.</returns>
    public ServerTimes Since(ServerTimes earlier) => new(Calls - earlier.Calls, RequestNs - earlier.RequestNs,
        QueueNs - earlier.QueueNs, InputNs - earlier.InputNs, InferNs - earlier.InferNs, OutputNs - earlier.OutputNs,
        DecodeNs - earlier.DecodeNs, EncodeNs - earlier.EncodeNs);

    /// <summary>Describes where the handler's time went, per call, for the report.</summary>
    /// <returns>The sentence.</returns>
    public string Describe()
    {
        var rest = Request - Decode - Queue - Input - Infer - Output - Encode;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Request:0.0} µs per call: decode {Decode:0.0}, queue {Queue:0.0}, input {Input:0.0}, ORT run (binding " +
            $"included) {Infer:0.0}, output {Output:0.0}, encode {Encode:0.0}, the rest (acquire, deadline, scheduler, " +
            $"statistics) {rest:0.0}");
    }

    private double PerCall(double ns) => Calls == 0 ? 0 : ns / 1000.0 / Calls;
}
