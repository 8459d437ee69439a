namespace MtlOnnx.Serving;

/// <summary>ONNX Runtime settings shared by every model session (configuration section <c>Serving:Runtime</c>).</summary>
public sealed class RuntimeOptions
{
    /// <summary>Gets or sets the threads given to inference in all; 0 (the default) uses one per core.</summary>
    public int InferenceThreads { get; set; }

    /// <summary>
    /// Gets or sets how many model runs may be in flight at once across all models; 0 (the default) allows one per
    /// inference thread, each run then single-threaded. Each run gets <c>InferenceThreads / ConcurrentRuns</c> threads.
    /// </summary>
    public int ConcurrentRuns { get; set; }

    /// <summary>Gets or sets whether intra-op threads spin while waiting for work. Defaults to <see langword="false"/>.</summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Gets or sets whether sessions use the CUDA execution provider. Defaults to <see langword="false"/>.</summary>
    public bool UseCuda { get; set; }

    /// <summary>Gets or sets the CUDA device of the sessions. Defaults to 0.</summary>
    public int CudaDeviceId { get; set; }
}
