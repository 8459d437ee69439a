namespace MtlOnnx.Export;

/// <summary>
/// The kinds of task head an exported model can have; they decide the in-graph post-processing.
/// </summary>
public enum ExportTaskKind
{
    /// <summary>One label out of several: the output holds one logit per label.</summary>
    Multiclass,

    /// <summary>Any number of labels at once: one independent logit per label.</summary>
    Multilabel,

    /// <summary>A yes/no decision: a single logit.</summary>
    Binary,

    /// <summary>One or more real values.</summary>
    Regression,
}
