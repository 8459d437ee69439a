namespace MtlOnnx.Bench.Autodiff;

/// <summary>The benchmark's command-line options.</summary>
/// <param name="Batch">The batch size.</param>
/// <param name="Threads">The intra-op thread count.</param>
/// <param name="Iterations">The number of timed steps.</param>
/// <param name="Warmup">The number of untimed steps first.</param>
/// <param name="JsonPath">Where to write the JSON report, or null.</param>
/// <param name="SavePath">Where to save the generated model, or null.</param>
internal sealed record BenchOptions(long Batch, int Threads, int Iterations, int Warmup, string? JsonPath, string? SavePath);
