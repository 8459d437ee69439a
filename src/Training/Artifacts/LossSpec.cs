namespace MtlOnnx.Training.Artifacts;

/// <summary>
/// One loss of a training artifact: a scalar tensor the forward graph already computes, or a standard loss that
/// the generator adds on top of a prediction, with a new graph input for its labels or targets.
/// </summary>
public sealed record LossSpec
{
    private LossSpec(LossKind kind, string name, string? prediction, string? target)
    {
        Kind = kind;
        Name = name;
        Prediction = prediction;
        Target = target;
    }

    /// <summary>Gets how the loss is obtained.</summary>
    public LossKind Kind { get; }

    /// <summary>Gets the name of the scalar loss tensor.</summary>
    public string Name { get; }

    /// <summary>Gets the prediction the loss compares, or <see langword="null"/> for an existing loss.</summary>
    public string? Prediction { get; }

    /// <summary>
    /// Gets the name of the new input with labels or targets, or <see langword="null"/> for an existing loss.
    /// </summary>
    public string? Target { get; }

    /// <summary>Names a scalar loss tensor that the forward graph computes.</summary>
    /// <param name="name">The tensor.</param>
    /// <returns>The loss.</returns>
    public static LossSpec Existing(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new LossSpec(LossKind.Existing, name, null, null);
    }

    /// <summary>Adds softmax cross-entropy (mean over the batch) on a graph output of logits [N, C].</summary>
    /// <param name="logits">The logits tensor.</param>
    /// <param name="labels">The name of the new int64 [N] labels input.</param>
    /// <param name="name">The loss tensor's name; <c>&lt;logits&gt;_loss</c> by default.</param>
    /// <returns>The loss.</returns>
    public static LossSpec CrossEntropy(string logits, string labels, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(logits);
        ArgumentException.ThrowIfNullOrEmpty(labels);
        return new LossSpec(LossKind.CrossEntropy, name ?? logits + "_loss", logits, labels);
    }

    /// <summary>Adds the mean squared error on a graph output, against targets of the same shape.</summary>
    /// <param name="prediction">The prediction tensor.</param>
    /// <param name="targets">The name of the new float targets input.</param>
    /// <param name="name">The loss tensor's name; <c>&lt;prediction&gt;_loss</c> by default.</param>
    /// <returns>The loss.</returns>
    public static LossSpec MeanSquaredError(string prediction, string targets, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(prediction);
        ArgumentException.ThrowIfNullOrEmpty(targets);
        return new LossSpec(LossKind.MeanSquaredError, name ?? prediction + "_loss", prediction, targets);
    }
}
