namespace MtlOnnx.Training.Jobs;

/// <summary>How text inputs are tokenized.</summary>
public sealed class TextInputSpec
{
    /// <summary>
    /// Gets the tokenizer kind: <c>wordpiece</c> (a vocabulary file), <c>bpe</c> or <c>tiktoken</c> (from the
    /// data packages), or <c>sentencepiece</c> (a model file). The default is <c>wordpiece</c>.
    /// </summary>
    public string Tokenizer { get; init; } = "wordpiece";

    /// <summary>Gets the vocabulary or tokenizer model file, relative to the job file; or <see langword="null"/>.</summary>
    public string? Vocabulary { get; init; }

    /// <summary>Gets the sequence length: longer texts are truncated, shorter ones padded. The default is 64.</summary>
    public int MaxLength { get; init; } = 64;

    /// <summary>Gets whether text is lower-cased before tokenization. The default is <see langword="true"/>.</summary>
    public bool Lowercase { get; init; } = true;
}
