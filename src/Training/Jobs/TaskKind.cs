namespace MtlOnnx.Training.Jobs;

/// <summary>The kind of a task, which fixes its output, its loss and its metrics.</summary>
public enum TaskKind
{
    /// <summary>One label out of several; softmax cross-entropy.</summary>
    Multiclass,

    /// <summary>Any subset of several labels; binary cross-entropy with logits per label.</summary>
    Multilabel,

    /// <summary>A yes-or-no label; binary cross-entropy with logits.</summary>
    Binary,

    /// <summary>One or more real-valued targets, standardised for training.</summary>
    Regression,
}
