namespace MtlOnnx.Export;

/// <summary>
/// The names of the outputs an exported model has for one task.
/// </summary>
/// <param name="Task">The task name.</param>
/// <param name="Raw">The raw output: logits for a classification, the values for a regression.</param>
/// <param name="Probabilities">The probabilities (softmax or sigmoid), or <see langword="null"/> when not exported.</param>
/// <param name="Label">The predicted label index (int64), or <see langword="null"/> when not exported.</param>
public sealed record TaskOutputNames(string Task, string Raw, string? Probabilities, string? Label)
{
    /// <summary>The suffix of the probabilities output's name.</summary>
    public const string ProbabilitiesSuffix = "_probabilities";

    /// <summary>The suffix of the label output's name.</summary>
    public const string LabelSuffix = "_label";

    /// <summary>Gets every output name of the task, raw output first.</summary>
    public IEnumerable<string> All
    {
        get
        {
            yield return Raw;
            if (Probabilities is not null)
            {
                yield return Probabilities;
            }

            if (Label is not null)
            {
                yield return Label;
            }
        }
    }
}
