namespace MtlOnnx.Serving;

/// <summary>Request limits (configuration section <c>Serving:Limits</c>). Requests over a limit are refused with a message.</summary>
public sealed class LimitsOptions
{
    /// <summary>
    /// Gets or sets the largest request message in bytes, as received; Kestrel's body limit is set to match.
    /// Defaults to 16 MiB.
    /// </summary>
    public int MaxRequestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Gets or sets whether gzip-compressed requests are accepted. When <see langword="false"/>, they are refused
    /// with <c>Unimplemented</c>. Defaults to <see langword="true"/>.
    /// </summary>
    public bool AllowCompressedRequests { get; set; } = true;

    /// <summary>
    /// Gets or sets the largest size in bytes a compressed request may inflate to; beyond it the request is refused
    /// with <c>ResourceExhausted</c>. 0 (the default) uses <see cref="MaxRequestBytes"/>.
    /// </summary>
    public int MaxDecompressedBytes { get; set; }

    /// <summary>Gets or sets the largest encoded image in bytes. Defaults to 8 MiB.</summary>
    public int MaxImageBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Gets or sets the most pixels (width × height) an image may have. Defaults to 16,777,216 (4096 × 4096).</summary>
    public long MaxImagePixels { get; set; } = 4096L * 4096;

    /// <summary>Gets or sets the most frames an image may have. Defaults to 1.</summary>
    public int MaxImageFrames { get; set; } = 1;

    /// <summary>Gets or sets the longest text in UTF-16 characters, checked before tokenizing. Defaults to 8192.</summary>
    public int MaxTextChars { get; set; } = 8192;

    /// <summary>Gets or sets the most elements of one BYTES tensor. Defaults to 1024.</summary>
    public int MaxBytesElements { get; set; } = 1024;

    /// <summary>Gets or sets the most requests of one <c>PredictStream</c> call. Defaults to 1024.</summary>
    public int MaxStreamItems { get; set; } = 1024;

    /// <summary>Gets or sets how many images may be decoded at once. 0 (the default) allows one per core.</summary>
    public int MaxConcurrentDecodes { get; set; }

    /// <summary>
    /// Gets or sets the deadline of a request whose client sets none. Defaults to 60 s; <see cref="TimeSpan.Zero"/>
    /// leaves such requests without one.
    /// </summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
