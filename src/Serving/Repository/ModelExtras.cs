namespace MtlOnnx.Serving.Repository;

/// <summary>
/// What a model version has beyond its ONNX graph: the model card with its preprocessing, and an explanation model.
/// A plain ONNX model has none and is served by the inference protocol only.
/// </summary>
internal class ModelExtras : IDisposable
{
    /// <summary>Gets the extras of a model that has none.</summary>
    public static ModelExtras None { get; } = new();

    /// <summary>Gets whether the model has a model card (and so can serve the typed API).</summary>
    public virtual bool HasCard => false;

    /// <summary>Gets whether the model has an explanation model.</summary>
    public virtual bool CanExplain => false;

    /// <summary>
    /// Turns the encoded images or texts of a BYTES tensor into the tensor a model input expects, as the model card
    /// says; for a client that sends raw bytes to an input that takes pixels or token ids.
    /// </summary>
    /// <param name="input">The model input.</param>
    /// <param name="elements">The BYTES elements, one per batch row.</param>
    /// <param name="cancellationToken">Cancels waiting for a decode slot.</param>
    /// <returns>
    /// The model inputs computed from the elements (a text input may also fill its attention mask), or
    /// <see langword="null"/> when the model has no preprocessing for the input.
    /// </returns>
    /// <exception cref="ServingException">An element is not a valid image or text (<c>InvalidArgument</c>).</exception>
    public virtual IReadOnlyList<Inference.InferTensor>? PreprocessBytes(Inference.TensorSpec input,
        ReadOnlyMemory<byte>[] elements, CancellationToken cancellationToken) => null;

    /// <summary>Returns whether preprocessing fills a model input that the client does not send.</summary>
    /// <param name="input">The model input's name.</param>
    /// <returns><see langword="true"/> for an attention mask that preprocessing computes.</returns>
    public virtual bool IsDerivedInput(string input) => false;

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the extras' sessions.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
